from grcim.cli.main import command

command()
