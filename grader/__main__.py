"""`python -m grader` is the same as the `kata` command."""
from grader.cli import main

if __name__ == "__main__":
    main(prog_name="kata")
