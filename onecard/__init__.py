"""onecard's composition root: settings, bootstrap and the command line.

This is the only package that reads settings and decides which adapters and which broker a
process uses; everything else receives its dependencies as parameters.
"""
