"""The pure core: the timer model and the wire protocol. No Tornado, no clock, no I/O."""
