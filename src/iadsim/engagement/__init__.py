"""iadsim.engagement: the array-level engagement core.

Pure, batched functions over threats × launchers (numpy arrays, SI units, one local ENU frame),
which the scenario-facing engagement step and the simulation kernel call:

- :mod:`.intercept`   earliest intercept, constant-velocity target vs constant-speed interceptor
- :mod:`.flyout`      boost–coast fly-out profile calibrated to max/average speed, and its intercept
- :mod:`.pk`          envelope test, Pk per shot with an edge taper, seeded kill draws
- :mod:`.doctrine`    salvo and shoot–look–shoot, simulated and analytic
- :mod:`.threat_eval` time-to-go, closest point of approach, priority order
- :mod:`.assignment`  optimal (LSA / MILP) and greedy weapon–target assignment
- :mod:`.magazine`    ready rounds, reload queue, launch interval

Imports only numpy, scipy and :mod:`iadsim.errors`.
"""

from iadsim.engagement._checks import EngagementInputError
from iadsim.engagement.assignment import (
    Assignment,
    assign_greedy,
    assign_optimal,
    check_assignment,
    expected_value_saved,
)
from iadsim.engagement.doctrine import (
    DoctrineExpectation,
    SLSResult,
    fire_salvo,
    salvo_kill_probability,
    salvo_kill_probability_uniform,
    shoot_look_shoot,
    sls_expectation,
    sls_schedule,
)
from iadsim.engagement.flyout import (
    BoostCoastProfile,
    boost_coast_profile,
    flyout_range_m,
    flyout_speed_mps,
    flyout_time_s,
    intercept_flyout,
)
from iadsim.engagement.intercept import Intercept, InterceptStatus, intercept_constant_speed
from iadsim.engagement.magazine import (
    MagazineState,
    advance,
    fire,
    launch_ready,
    make_magazine,
    pending_reloads,
    ready_rounds,
)
from iadsim.engagement.pk import (
    Envelope,
    draw_kills,
    edge_factor,
    engagement_pk,
    ground_range_m,
    in_envelope,
    make_envelope,
    shot_pk,
    shot_rngs,
)
from iadsim.engagement.threat_eval import ThreatEvaluation, closest_approach, evaluate_threats

__all__ = [
    "Assignment",
    "BoostCoastProfile",
    "DoctrineExpectation",
    "EngagementInputError",
    "Envelope",
    "Intercept",
    "InterceptStatus",
    "MagazineState",
    "SLSResult",
    "ThreatEvaluation",
    "advance",
    "assign_greedy",
    "assign_optimal",
    "boost_coast_profile",
    "check_assignment",
    "closest_approach",
    "draw_kills",
    "edge_factor",
    "engagement_pk",
    "evaluate_threats",
    "expected_value_saved",
    "fire",
    "fire_salvo",
    "flyout_range_m",
    "flyout_speed_mps",
    "flyout_time_s",
    "ground_range_m",
    "in_envelope",
    "intercept_constant_speed",
    "intercept_flyout",
    "launch_ready",
    "make_envelope",
    "make_magazine",
    "pending_reloads",
    "ready_rounds",
    "salvo_kill_probability",
    "salvo_kill_probability_uniform",
    "shoot_look_shoot",
    "shot_pk",
    "shot_rngs",
    "sls_expectation",
    "sls_schedule",
]
