"""The actions of implflow, called alike by the CLI, the flows and the console."""
