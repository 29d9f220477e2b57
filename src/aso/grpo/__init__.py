"""Training-Free GRPO: group rollouts, group-relative advantages, and lessons kept in a library.

Index:
- `TFGRPOOptimizer` (`optimizer`)       the loop: rollouts, advantages, reflection, library updates
- `group_advantages`, `TestResolutionGain` (`advantages`)   `g = α·r + β·u`, `A`, information gain
- `ExperienceLibrary` (`library`)       lessons with ids, provenance, measured usefulness
- `parse_operations`, `OpKind` (`operations`)   ADD / UPDATE / DELETE / KEEP from model output
- `Reflector` (`reflection`)            semantic advantage extraction by a model
- `distill_token_bias` (`token_bias`)   the additive token-bias expert
- `Priors`, `load_priors` (`priors`)    the versioned, content-hashed priors file
- `Task`, `Verdict`, `Rollout` (`tasks`)
"""

from aso.grpo.advantages import GroupAdvantages, GroupStatus, TestResolutionGain, group_advantages
from aso.grpo.library import Experience, ExperienceLibrary, OpOutcome
from aso.grpo.operations import Operation, OpKind, parse_operations
from aso.grpo.optimizer import OptimizerConfig, TFGRPOOptimizer
from aso.grpo.priors import ExpertSpec, Priors, Reliability, load_priors
from aso.grpo.reflection import Reflector
from aso.grpo.tasks import RewardFn, Rollout, Task, Verdict
from aso.grpo.token_bias import TokenBias, distill_token_bias

__all__ = [
    "Experience",
    "ExperienceLibrary",
    "ExpertSpec",
    "GroupAdvantages",
    "GroupStatus",
    "OpKind",
    "OpOutcome",
    "Operation",
    "OptimizerConfig",
    "Priors",
    "Reflector",
    "Reliability",
    "RewardFn",
    "Rollout",
    "TFGRPOOptimizer",
    "Task",
    "TestResolutionGain",
    "TokenBias",
    "Verdict",
    "distill_token_bias",
    "group_advantages",
    "load_priors",
    "parse_operations",
]
