"""Whether a call releases the GIL: a Python thread counts while it runs."""
import threading
import time


def ticks_during(call):
    """Runs ``call()`` while another Python thread counts every millisecond.

    Returns (ticks, elapsed seconds). With the GIL held for the whole call the counter ticks once
    at most; released, it ticks about once a millisecond (fewer on a loaded machine).
    """
    ticks = 0
    done = threading.Event()

    def count():
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            time.sleep(0.001)

    counter = threading.Thread(target=count)
    counter.start()
    start = time.perf_counter()
    try:
        call()
    finally:
        elapsed = time.perf_counter() - start
        done.set()
        counter.join()
    return ticks, elapsed
