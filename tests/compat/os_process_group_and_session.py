# getpgrp, getpgid and getsid: the script's process leads its own group and session.
import os


def main():
    pid = os.getpid()
    return {
        "pgrp_is_pgid": os.getpgrp() == os.getpgid(0),
        "leads_group": os.getpgrp() == pid,
        "leads_session": os.getsid(0) == pid,
        "parent_known": os.getppid() >= 0,
    }
