# pwd.getpwuid and grp.getgrgid of the script's own uid and gid.
import grp
import os
import pwd


def main():
    entry = pwd.getpwuid(os.getuid())
    group = grp.getgrgid(os.getgid())
    return {
        "name": entry.pw_name,
        "dir": entry.pw_dir,
        "shell": entry.pw_shell,
        "group": group.gr_name,
        "uid_matches": entry.pw_uid == os.getuid(),
    }
