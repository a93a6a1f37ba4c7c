# os.path.expanduser('~') and '~user' forms, as configuration code writes them.
import os


def main():
    home = os.path.expanduser("~")
    return {
        "home_is_env": home == os.environ.get("HOME"),
        "isdir": os.path.isdir(home),
        "config": os.path.expanduser("~/.config/app.toml")
        == os.path.join(home, ".config", "app.toml"),
        "unknown_user": os.path.expanduser("~nobody-such-user/x"),
    }
