# multiprocessing.Pool with the fork start method, using a function of the script's own.
import multiprocessing


def cube(value):
    return value**3


def main():
    with multiprocessing.get_context("fork").Pool(2) as pool:
        cubes = pool.map(cube, range(10))
        applied = pool.apply_async(cube, (7,)).get(timeout=30)
        starmapped = pool.starmap(pow, [(2, 3), (3, 2)])
    return {"cubes": cubes, "applied": applied, "starmap": starmapped}
