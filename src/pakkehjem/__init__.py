"""pakkehjem: Pakkeforløp hjem for pasienter med kreft, for kreftkoordinatorer."""

__version__ = "0.1.0"
