# multiprocessing.Value and Array shared with forked processes.
import multiprocessing


def bump(total, cells, index):
    with total.get_lock():
        total.value += index
    cells[index] = index * index


def main():
    context = multiprocessing.get_context("fork")
    total = context.Value("i", 0)
    cells = context.Array("d", 5)
    processes = [context.Process(target=bump, args=(total, cells, i)) for i in range(5)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(30)
    return {"total": total.value, "cells": list(cells)}
