"""`python -m pakkehjem`."""

from .cli import main

main()
