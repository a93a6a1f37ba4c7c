# getpass.getuser: the name of the user the script runs as.
import getpass


def main():
    return {"user": getpass.getuser()}
