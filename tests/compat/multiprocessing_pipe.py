# multiprocessing.Pipe: a duplex connection between a parent and a forked child.
import multiprocessing


def echo(connection):
    while (message := connection.recv()) != "stop":
        connection.send(message.upper())


def main():
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe()
    process = context.Process(target=echo, args=(child,))
    process.start()
    replies = []
    for word in ("alpha", "beta"):
        parent.send(word)
        replies.append(parent.recv())
    parent.send("stop")
    process.join(30)
    return {"replies": replies, "exitcode": process.exitcode}
