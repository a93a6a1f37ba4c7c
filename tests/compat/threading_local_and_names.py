# threading.local, thread names, identifiers, and an exception in a thread (excepthook).
import threading


def main():
    local = threading.local()
    values = {}
    failures = []
    threading.excepthook = lambda args: failures.append(args.exc_type.__name__)

    def work(index):
        local.value = index
        values[threading.current_thread().name] = local.value

    threads = [threading.Thread(target=work, args=(i,), name=f"worker-{i}") for i in range(3)]
    threads.append(threading.Thread(target=lambda: 1 / 0, name="failing"))
    for thread in threads:
        thread.start()
        thread.join()
    return {
        "values": values,
        "failures": failures,
        "main": threading.main_thread().name,
        "native_ids_differ": threading.get_native_id() > 0,
    }
