# getresuid/getresgid: real, effective and saved ids agree with getuid/getgid, none is root.
import os


def main():
    uids = os.getresuid()
    gids = os.getresgid()
    return {
        "uids_agree": uids == (os.getuid(), os.geteuid(), os.getuid()),
        "gids_agree": gids == (os.getgid(), os.getegid(), os.getgid()),
        "root": 0 in uids or 0 in gids,
        "groups": os.getgroups(),
    }
