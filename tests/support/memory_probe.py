"""Resident memory of a process tree over time: a Jupyter kernel and everything it started
(the Lab's template process, its worker environments, moto, helper processes).

RSS counts pages shared between processes (a forked worker shares most of its template)
once per process, so the summed RSS overstates what the machine really holds; PSS splits
each shared page between its users and adds up to the true total. Both are recorded; the
budget is checked against the stricter RSS sum.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import psutil

MB = 1024 * 1024


def still_running(processes: list[psutil.Process]) -> list[str]:
    """Which of ``processes`` are still alive (zombies aside), one line each: what a kernel
    shutdown must leave empty."""
    left = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                left.append(f"{process.pid} {process.name()} ({process.status()})")
        except psutil.NoSuchProcess:
            pass
    return left


@dataclass
class TreePeak:
    rss_bytes: int = 0  # the largest summed RSS seen in one sample
    pss_bytes: int = 0  # the largest summed PSS seen in one sample
    kernel_rss_bytes: int = 0  # the kernel process alone, at its largest
    processes: int = 0  # the most processes alive in the tree at once
    samples: int = 0
    biggest: list[str] = field(default_factory=list)  # the tree at the RSS peak, largest first

    def line(self, name: str) -> str:
        return (
            f"{name}: peak RSS {self.rss_bytes / MB:.0f} MB summed "
            f"(PSS {self.pss_bytes / MB:.0f} MB, kernel alone {self.kernel_rss_bytes / MB:.0f} MB, "
            f"up to {self.processes} processes, {self.samples} samples)"
        )


class TreeSampler:
    """Samples the tree under ``root_pid`` every ``interval_s`` from a daemon thread.

    RSS is read from statm (microseconds) at every sample. PSS needs the kernel to walk every
    mapping (smaps_rollup, about a millisecond per process), so it is read only when the RSS
    sum has grown by PSS_STEP since the last reading, and at every PSS_EVERY-th sample: reading
    it at every new peak (nearly every sample while a lesson runs) cost ~1 CPU-s per lesson,
    the CPU the lesson under test needs; PSS is reported, not checked. The tree itself is
    listed again at every LIST_EVERY-th sample: psutil finds a process's children by reading
    every process on the machine (1.5-5 ms here), which every 50 ms cost a tenth of a CPU;
    a process that lives less than 200 ms may so be missed (workers live for seconds).
    """

    PSS_EVERY = 40  # every 2 s
    PSS_STEP = 1.05  # or once the RSS sum is 5 % above the sum at the last PSS reading
    LIST_EVERY = 4  # every 200 ms: workers live far longer than that

    def __init__(self, root_pid: int, interval_s: float = 0.05) -> None:
        self.root = psutil.Process(root_pid)
        self.interval_s = interval_s
        self.peak = TreePeak()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)
        self._tree: list[psutil.Process] | None = None
        self._rss_at_pss = 0
        self._names: dict[int, str] = {}  # a process's command line, read once

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Take a last sample and stop; safe to call more than once."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while True:
            self.sample()
            if self._stop.wait(self.interval_s):
                break
        self.sample()

    def sample(self) -> None:
        if self._tree is None or self.peak.samples % self.LIST_EVERY == 0:
            try:
                self._tree = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                return  # the kernel is gone: nothing left to measure
        tree = self._tree
        sizes: list[tuple[int, psutil.Process]] = []
        for process in tree:
            try:
                sizes.append((process.memory_info().rss, process))
            except psutil.Error:
                continue  # a worker that ended between the listing and the reading
        rss = sum(size for size, _ in sizes)
        peak = self.peak
        peak.samples += 1
        peak.processes = max(peak.processes, len(sizes))
        for size, process in sizes:
            if process.pid == self.root.pid:
                peak.kernel_rss_bytes = max(peak.kernel_rss_bytes, size)
        if rss >= self._rss_at_pss * self.PSS_STEP or peak.samples % self.PSS_EVERY == 1:
            self._rss_at_pss = rss
            peak.pss_bytes = max(peak.pss_bytes, sum(_pss(p, size) for size, p in sizes))
        if rss > peak.rss_bytes:
            peak.rss_bytes = rss
            peak.biggest = [
                f"{size / MB:.0f} MB {self._name(process)}"
                for size, process in sorted(sizes, key=lambda pair: pair[0], reverse=True)
            ]

    def _name(self, process: psutil.Process) -> str:
        if process.pid not in self._names:
            self._names[process.pid] = _name(process)
        return self._names[process.pid]


def _pss(process: psutil.Process, rss: int) -> int:
    """The process's proportional set size (its RSS where the kernel does not say)."""
    try:
        with open(f"/proc/{process.pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass  # ended since, or a kernel without smaps_rollup
    return rss


def _name(process: psutil.Process) -> str:
    try:
        return " ".join(process.cmdline()[:3])[-60:] or process.name()
    except psutil.Error:
        return f"pid {process.pid} (ended)"
