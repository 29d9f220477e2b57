"""HumanEval for ASO: the package's problems, a fixed train / held-out split, the chat-format baseline
prompt, per-test scoring in the sandbox, pass@k.

Index:
- `problems`, `split_ids` (`data`)              problems by split (`train`, `heldout`, `all`)
- `chat_prompt`, `program`, `extract_code` (`prompting`)   the baseline prompt and the function taken out
- `HumanEvalReward`, `build_harness`, `pass_at_k`, `task_of` (`scoring`)
- `evaluate`, `Method`, `EvalReport` (`evaluation`)   pass@1 / pass@k of a method on a split
"""

from aso.humaneval.data import SPLIT_SEED, TRAIN_SIZE, problems, split_ids
from aso.humaneval.prompting import CODE_STOP, chat_prompt, extract_code, program
from aso.humaneval.scoring import HumanEvalReward, build_harness, parse_outcomes, pass_at_k, task_of

__all__ = [
    "CODE_STOP",
    "SPLIT_SEED",
    "TRAIN_SIZE",
    "HumanEvalReward",
    "build_harness",
    "chat_prompt",
    "extract_code",
    "parse_outcomes",
    "pass_at_k",
    "problems",
    "program",
    "split_ids",
    "task_of",
]
