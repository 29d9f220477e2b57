"""`aso bitdelta compress|apply|info`: 1-bit compression of a fine-tuned model's weight delta."""

from __future__ import annotations

from pathlib import Path

import typer

bitdelta_app = typer.Typer(help="1-bit compression of weight deltas (BitDelta).", no_args_is_help=True)


@bitdelta_app.command("compress")
def compress_cmd(
    base: str = typer.Option(..., help="Base model: smollm2, hf:DIR, gguf:FILE or a directory."),
    finetuned: str = typer.Option(..., help="Fine-tuned model (same architecture as the base)."),
    out: Path = typer.Option(..., help="Output .safetensors BitDelta file."),
    selection: Path | None = typer.Option(None, help="YAML with compress / keep_dense globs, dense_dtype."),
    distill_scales: bool = typer.Option(False, "--distill-scales", help="Fit the scales to the FT logits."),
    calib: Path | None = typer.Option(None, help="Calibration text: .txt, .jsonl (text field) or a dir."),
    steps: int = typer.Option(100, help="Distillation steps."),
    batch_size: int = typer.Option(2, help="Calibration windows per step."),
    seq_len: int = typer.Option(128, help="Tokens per calibration window."),
    lr: float = typer.Option(5e-3, help="AdamW learning rate (relative step of each scale)."),
    loss: str = typer.Option("mse", help="mse (logits, as BitDelta) or kl."),
    seed: int = typer.Option(0, help="Seed of the calibration batch order."),
    output: Path | None = typer.Option(
        None, help="Run directory for the distillation log (default runs/...)."
    ),
) -> None:
    """Compress FT - BASE to 1 bit per weight (+ one scale per matrix).

    Example: aso bitdelta compress --base smollm2 --finetuned runs/ft --out runs/ft.bitdelta.safetensors
    """
    from tqdm import tqdm

    from aso.bitdelta import DistillConfig, load_selection
    from aso.bitdelta.pipeline import CalibrationSpec, compress_models
    from aso.runs import Run

    distill = None
    run = None
    if distill_scales:
        distill = DistillConfig(steps=steps, batch_size=batch_size, lr=lr, loss=_loss(loss), seed=seed)
        config = {
            "base": base,
            "finetuned": finetuned,
            "out": str(out),
            "calib": str(calib),
            "seq_len": seq_len,
        }
        config.update(steps=steps, batch_size=batch_size, lr=lr, loss=loss, selection=str(selection))
        run = Run.create("bitdelta compress", config, seed=seed, path=output)
    spec = CalibrationSpec(calib, seq_len=seq_len) if calib is not None else None
    bar = tqdm(total=steps, desc="distilling scales", disable=distill is None)

    def on_step(step: int, value: float) -> None:
        bar.update(1)
        bar.set_postfix(loss=f"{value:.4g}")
        if run is not None:
            run.log("distill_step", step=step, loss=value)

    delta = compress_models(
        base,
        finetuned,
        out,
        selection=load_selection(selection),
        distill=distill,
        calibration=spec,
        on_step=on_step,
    )
    bar.close()
    if run is not None:
        run.finish(out=str(out), sources=delta.sources, distillation=delta.info.get("distillation"))
        typer.echo(f"distillation log: {run.path}")
    _print_summary(out, delta)


@bitdelta_app.command("apply")
def apply_cmd(
    base: str = typer.Option(..., help="Base model the delta was made against."),
    delta: Path = typer.Option(..., help="BitDelta file (model-delta)."),
    out: Path = typer.Option(..., help="Output directory for the patched model (must be new or empty)."),
    check_base: bool = typer.Option(True, help="Refuse a base whose tensors differ from the recorded hash."),
) -> None:
    """Apply a BitDelta file to a base model and save a Hugging Face model directory.

    Example: aso bitdelta apply --base smollm2 --delta runs/ft.bitdelta.safetensors --out runs/ft-1bit
    """
    from aso.bitdelta.pipeline import apply_to_directory

    path = apply_to_directory(base, delta, out, check_base=check_base)
    typer.echo(f"wrote {path} (load it with --model hf:{path})")


@bitdelta_app.command("info")
def info_cmd(file: Path = typer.Argument(..., help="BitDelta file.")) -> None:
    """Show what a BitDelta file holds.

    Example: aso bitdelta info runs/ft.bitdelta.safetensors
    """
    from aso.bitdelta import load

    _print_summary(file, load(file))


def _loss(name: str):
    from aso.bitdelta import DistillLoss
    from aso.errors import ConfigError

    try:
        return DistillLoss(name)
    except ValueError:
        raise ConfigError(f"--loss must be mse or kl, got {name!r}") from None


def _print_summary(path: Path, delta) -> None:
    from aso.bitdelta import DeltaKind

    n = delta.compressed_numel()
    packed = delta.compressed_bytes()
    typer.echo(f"{path}: {delta.kind.value}, {len(delta.compressed)} tensors 1-bit, {len(delta.dense)} dense")
    if n:
        typer.echo(
            f"1-bit part: {n:,} elements in {packed:,} bytes = {2 * n / packed:.1f}x smaller than fp16, "
            f"{4 * n / packed:.1f}x than fp32"
        )
    typer.echo(f"dense part: {delta.dense_bytes():,} bytes; file: {path.stat().st_size:,} bytes")
    for label, digest in sorted(delta.sources.items()):
        typer.echo(f"source {label}: {digest}")
    if delta.kind is DeltaKind.MODEL_DELTA and "distillation" in delta.info:
        d = delta.info["distillation"]
        typer.echo(
            f"scales distilled: {d['steps']} steps, loss {d['loss_first']:.4g} -> {d['loss_last']:.4g}"
        )


def register(app: typer.Typer) -> None:
    """Add the `bitdelta` command group."""
    app.add_typer(bitdelta_app, name="bitdelta")
