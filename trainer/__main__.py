"""`python -m trainer` runs the same entry point as the `trainer` script."""

from trainer.cli.entry import run

if __name__ == "__main__":
    run()
