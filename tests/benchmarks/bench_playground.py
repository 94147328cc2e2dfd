"""Frames per second of the Playground while it plays, beside a naive matplotlib loop.

Run: python tests/benchmarks/bench_playground.py
     (or `make benchmark BENCH=tests/benchmarks/bench_playground.py`)

The default setup (circle, 500 points, hidden layers of 4 and 2 tanh units,
batch 10: exactly `Playground()`'s defaults). One frame trains one epoch and
redraws the output heatmap, the per-unit heatmaps, the loss curve and the
numbers. We measure:

* frame(): after a warm-up, the time of each `playground.frame()`; frames per
  second from the mean and from the median frame time, p50/p95. A second pass
  of frames, with timing wrappers around the functions a frame calls, shows
  where the time goes: training, the losses and accuracies, the grid forward
  pass, each picture, and the kernel's work to send the changed traits.
* play(): the frame rate a reader sees, from `play()` on an asyncio loop for a
  few seconds. It is capped at MAX_FRAMES_PER_SECOND (60) by design: each frame
  sleeps out the rest of its 1/60 s so the kernel stays responsive. The
  frame-to-frame intervals show whether frames come evenly.
* naive: the same training (a `PlaygroundRun` with the same settings, one
  epoch per frame) re-plotted each epoch as a notebook author would: a new
  matplotlib figure (the output over a 100 x 100 grid with the points on top,
  one small imshow per input feature and hidden unit, the loss curve over
  every epoch so far), rendered to PNG as the inline backend does
  (`savefig(..., bbox_inches="tight")`), closed, and sent as a display_data
  message. The two versions run in interleaved rounds, so a load spike on the
  machine hits both alike.
* big network: the same frame() timing for 8 hidden layers of 64 tanh units,
  the speed goal's setup, with its parts, beside the figure from before.
* memory: RSS before and after 2,000 more frames (no tracemalloc, which would
  itself allocate), with the growth per 500 frames so a leak shows as a trend.

Sending is not free in a kernel: headless, ipywidgets' comm drops every
message. Here `comm.create_comm` (the hook ipykernel itself replaces) returns
a comm that does what ipykernel's comm does with each message: a
`jupyter_client.Session` builds the message, packs header, parent, metadata
and content to JSON and signs them with HMAC-SHA256; only the zmq send is
left out. Its time is part of every frame, and its bytes are counted.

Figures are printed, never asserted. Another process on the machine (a
notebook run, say) makes them noisy: the load average is printed at the
start and the end. `--profile N` adds a cProfile of N frames (top 15 functions
by cumulative time); `--threads N` sets torch's thread count, for comparison
only (by default the benchmark leaves it as torch and the library set it).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import cProfile
import gc
import io
import os
import platform
import pstats
import statistics
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from itertools import pairwise

import matplotlib

matplotlib.use("Agg")
import comm
import ipywidgets as ipw
import matplotlib.pyplot as plt
import torch
from comm.base_comm import BaseComm
from jupyter_client.session import Session

import widgets.ui.playground as playground_module
from widgets import Playground
from widgets.playground.settings import PlaygroundSettings
from widgets.playground.training import PlaygroundRun
from widgets.ui.playground import MAX_FRAMES_PER_SECOND

try:  # imported here, so that its first use does not add to the memory figures
    import psutil
except ImportError:  # pragma: no cover - read /proc instead
    psutil = None

EXTENT = (-6.0, 6.0, -6.0, 6.0)  # the plane the playground shows, as imshow's extent


# -- a comm that costs what a kernel's does -------------------------------------------------


class Wire:
    """What has gone out: messages, bytes and the time spent serializing them."""

    def __init__(self) -> None:
        self.session = Session(key=uuid.uuid4().hex.encode("ascii"))  # a kernel signs with a key
        self.parent = self.session.msg("execute_request", {"code": "playground"})
        self.messages = 0
        self.bytes = 0
        self.seconds = 0.0
        self.bytes_by_part: dict[str, int] = defaultdict(int)
        self.names: dict[str, str] = {}  # comm id -> a name to report bytes under

    def publish(self, comm_id: str, topic: bytes, msg_type: str, data: dict | None,
                metadata: dict | None, buffers: list | None, **keys: object) -> int:
        """Serialize one message as ipykernel's ``Comm.publish_msg`` does; returns its size."""
        start = time.perf_counter()
        content = dict(data={} if data is None else data, comm_id=comm_id, **keys)
        size = self.send(msg_type, content, metadata, buffers, topic)
        self.seconds += time.perf_counter() - start
        if msg_type == "comm_msg" and data and "state" in data:
            part = f"{self.names.get(comm_id, 'other')}.{','.join(sorted(data['state']))}"
            self.bytes_by_part[part] += size
        return size

    def send(self, msg_type: str, content: dict, metadata: dict | None, buffers: list | None,
             topic: bytes | None) -> int:
        msg = self.session.msg(msg_type, content, parent=self.parent, metadata=metadata or {})
        frames = self.session.serialize(msg, ident=topic)
        size = sum(len(f) for f in frames) + sum(memoryview(b).nbytes for b in buffers or ())
        self.messages += 1
        self.bytes += size
        return size

    def counts(self) -> tuple[int, int, float]:
        return self.messages, self.bytes, self.seconds


WIRE = Wire()


class KernelComm(BaseComm):
    """A widget's comm that serializes and signs each message like ipykernel's."""

    def publish_msg(self, msg_type: str, data: dict | None = None, metadata: dict | None = None,
                    buffers: list | None = None, **keys: object) -> None:
        WIRE.publish(self.comm_id, self.topic, msg_type, data, metadata, buffers, **keys)


def install_kernel_comm() -> None:
    """Every widget created from now on gets a KernelComm (ipywidgets calls this hook)."""
    comm.create_comm = KernelComm


def name_comms(playground: Playground) -> None:
    for name, value in vars(playground).items():
        if isinstance(value, ipw.Widget) and value.comm is not None:
            WIRE.names[value.model_id] = name


# -- measuring ------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def rss_mb() -> float:
    """Resident memory in MB (10**6 bytes)."""
    if psutil is not None:
        return psutil.Process().memory_info().rss / 1e6
    with open("/proc/self/status") as status:  # pragma: no cover - Linux fallback
        line = next(x for x in status if x.startswith("VmRSS"))
    return int(line.split()[1]) * 1024 / 1e6


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def time_frames(playground: Playground, count: int) -> list[float]:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        playground.frame()
        times.append(time.perf_counter() - start)
    return times


class Naive:
    """The loop a notebook author would write: train an epoch, re-plot everything."""

    def __init__(self) -> None:
        self.run = PlaygroundRun(PlaygroundSettings())
        self.png_bytes = 0
        self.sent_bytes = 0

    def frame(self) -> None:
        run = self.run
        run.train(1)
        output, hidden = run.grid_values(100)
        panels = [("input", name, values) for name, values in
                  zip(run.settings.features, run.feature_values(20))]
        for layer, units in enumerate(hidden, start=1):
            panels += [(f"layer {layer}", f"unit {k + 1}", values)
                       for k, values in enumerate(units)]
        columns = sorted({column for column, _, _ in panels}, key=[p[0] for p in panels].index)
        rows = max(sum(p[0] == column for p in panels) for column in columns)

        fig = plt.figure(figsize=(12, 5))
        grid = fig.add_gridspec(rows + 1, 3 + len(columns))
        ax = fig.add_subplot(grid[:rows, :3])
        ax.imshow(output[0].numpy(), extent=EXTENT, cmap="RdBu", vmin=-1, vmax=1)
        train = run.X[run.train_index]
        ax.scatter(train[:, 0], train[:, 1], c=run.y[run.train_index, 0], cmap="RdBu",
                   vmin=-1, vmax=1, edgecolors="white", s=18)
        ax.set_title(f"epoch {run.epoch}: train loss {run.train_loss:.4f}, "
                     f"test loss {run.test_loss:.4f}")
        for c, column in enumerate(columns):
            chosen = [p for p in panels if p[0] == column]
            for r, (_, name, values) in enumerate(chosen):
                small = fig.add_subplot(grid[r, 3 + c])
                small.imshow(values.numpy(), extent=EXTENT, cmap="RdBu", vmin=-1, vmax=1)
                small.set_title(f"{column}: {name}", fontsize=7)
                small.set_xticks([])
                small.set_yticks([])
        curve = fig.add_subplot(grid[rows, :])
        curve.plot(run.train_losses, label="train")
        curve.plot(run.test_losses, label="test")
        curve.set_xlabel("epoch")
        curve.legend(fontsize=7)

        buffer = io.BytesIO()  # what the inline backend does to show the figure
        fig.savefig(buffer, format="png", bbox_inches="tight")
        plt.close(fig)
        png = buffer.getvalue()
        self.png_bytes = len(png)
        # clear_output(wait=True) and display(fig): two messages through the kernel
        self.sent_bytes = WIRE.send("clear_output", {"wait": True}, None, None, None)
        self.sent_bytes += WIRE.send("display_data", {
            "data": {"image/png": base64.b64encode(png).decode("ascii"),
                     "text/plain": "<Figure size 1200x500 with axes>"},
            "metadata": {}, "transient": {}}, None, None, None)


def time_naive(naive: Naive, count: int) -> list[float]:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        naive.frame()
        times.append(time.perf_counter() - start)
    return times


async def play_for(playground: Playground, seconds: float) -> tuple[int, float, list[float]]:
    """Play for ``seconds``; returns frames played, the time taken, and the frame intervals."""
    stamps: list[float] = []

    def stamp(_: object) -> None:
        stamps.append(time.perf_counter())

    playground.observe(stamp, names="epoch")
    frames = playground.frame_count
    start = time.perf_counter()
    playground.play()
    await asyncio.sleep(seconds)
    played, elapsed = playground.frame_count - frames, time.perf_counter() - start
    playground.pause()
    task = playground._task  # private: wait for the play loop to end before measuring
    while task is not None and not task.done():
        await asyncio.sleep(0.01)
    playground.unobserve(stamp, names="epoch")
    return played, elapsed, [b - a for a, b in pairwise(stamps)]


#: What Split times, by the name of the function, and how it is reported.
PARTS = {"train": "train one epoch (SGD steps, checkpoint)",
         "_score": "losses and accuracies on all points, once per epoch",
         "frame_grid": "forward pass over the 100x100 grid",
         "output_picture": "output heatmap: colours, PNG, SVG",
         "network_picture": "unit heatmaps and links: PNG, SVG",
         "loss_picture": "loss curve SVG"}


class Split:
    """Exclusive time per part of a frame, from wrappers around the functions a frame calls."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._children: list[float] = []

    def wrap(self, name: str, function: Callable[..., object]) -> Callable[..., object]:
        def timed(*args: object, **kwargs: object) -> object:
            self._children.append(0.0)
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                self.seconds[name] += elapsed - self._children.pop()
                if self._children:
                    self._children[-1] += elapsed
        return timed

    def frames(self, playground: Playground, count: int) -> float:
        """Play ``count`` frames with every part timed; returns their total time."""
        run = playground._run  # private: its parts are wrapped to time each one
        for name in ("train", "_score", "frame_grid"):
            setattr(run, name, self.wrap(name, getattr(run, name)))
        saved = {name: getattr(playground_module, name)
                 for name in ("output_picture", "network_picture", "loss_picture")}
        for name, function in saved.items():
            setattr(playground_module, name, self.wrap(name, function))
        try:
            return sum(time_frames(playground, count))
        finally:
            for name in ("train", "_score", "frame_grid"):
                delattr(run, name)
            for name, function in saved.items():
                setattr(playground_module, name, function)


#: frame() rates (mean frames/s) of commit c12f161, before the grid went through the
#: network in chunks and the network picture was drawn column by column: measured on the
#: 2-core machine, interleaved with the new code (150 frames each, twice; load average 2).
EARLIER = {"default": 99.5, "8x64": 19.0}
#: The big network of the speed goal: 8 hidden layers of 64 tanh units.
BIG = {"hidden_sizes": (64,) * 8, "activations": "tanh"}


def big_network(frames: int, rounds: int) -> float:
    """Time ``frames`` frame() calls of the big network (in ``rounds``), with each part
    timed in between; print the figures; return the mean frames per second."""
    print(f"\nbig network: Playground(hidden_sizes=(64,) * 8), tanh, otherwise the defaults "
          f"(before: {EARLIER['8x64']:.1f} frames/s)")
    playground = Playground(**BIG)
    time_frames(playground, 10)
    split = Split()
    times: list[float] = []
    split_seconds = 0.0
    per_round = max(1, frames // rounds)
    for round_number in range(1, rounds + 1):
        done = time_frames(playground, per_round)
        times += done
        split_seconds += split.frames(playground, per_round)
        print(f"  round {round_number}: {len(done) / sum(done):6.1f} frames/s   "
              f"load average {load_average()}")
    mean_fps = len(times) / sum(times)
    print(f"  frames/s {mean_fps:7.1f} (mean)   {1 / statistics.median(times):7.1f} "
          f"(from the median); p95 frame {percentile(times, 95) * 1000:.1f} ms")
    split_frames = per_round * rounds
    for name, label in PARTS.items():
        print(f"  {label:<42} {split.seconds[name] / split_frames * 1000:6.2f} ms")
    playground.close()
    return mean_fps


def summary_line(goal: str, figure: str, met: bool) -> None:
    print(f"  {goal:<52} {figure:<30} {'met' if met else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300, help="timed frames of ours")
    parser.add_argument("--naive-frames", type=int, default=30, help="timed naive frames")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of both")
    parser.add_argument("--play-seconds", type=float, default=3.0)
    parser.add_argument("--memory-frames", type=int, default=2000)
    parser.add_argument("--big-frames", type=int, default=150,
                        help="timed frames of the big network (8 hidden layers of 64 units)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also profile N frames with cProfile (top 15 by cumulative time)")
    parser.add_argument("--threads", type=int, default=0,
                        help="torch threads for comparison (default: leave torch's setting)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    began = time.perf_counter()

    print(f"machine: {os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable), "
          f"load average at start {load_average()}")
    print(f"python {platform.python_version()}, torch {torch.__version__} with "
          f"{torch.get_num_threads()} threads"
          f"{' (set by --threads)' if args.threads else ' (as the library leaves it)'}, "
          f"ipywidgets {ipw.__version__}, matplotlib {matplotlib.__version__}")
    if os.getloadavg()[0] >= 0.5 * (os.cpu_count() or 1):
        print("note: other processes are using the CPUs, so these figures are pessimistic "
              "(see the load average at the end too)")
    print("setup: Playground() defaults (circle, 500 points, 50% train, hidden (4, 2) tanh, "
          "batch 10, sgd 0.03)")

    install_kernel_comm()
    messages_before, bytes_before, _ = WIRE.counts()
    start = time.perf_counter()
    playground = Playground()
    built = time.perf_counter() - start
    name_comms(playground)
    opened = WIRE.counts()
    print(f"Playground() construction: {built * 1000:.1f} ms, {opened[0] - messages_before} "
          f"messages ({(opened[1] - bytes_before) / 1e3:.0f} kB) to open its widgets")

    # -- ours and naive, interleaved ----------------------------------------------------------
    naive = Naive()
    time_frames(playground, 20)
    time_naive(naive, 3)
    WIRE.bytes_by_part.clear()
    split = Split()
    ours: list[float] = []
    naive_times: list[float] = []
    sent = [0, 0, 0.0]  # messages, bytes, seconds while timing ours
    split_frames, split_seconds, split_wire = 0, 0.0, 0.0
    per_round, naive_per_round = args.frames // args.rounds, args.naive_frames // args.rounds
    print(f"\n{args.rounds} interleaved rounds of {per_round} frame() calls, {per_round} with "
          f"each part timed, and {naive_per_round} naive frames (frames/s, mean):")
    for round_number in range(1, args.rounds + 1):
        before = WIRE.counts()
        times = time_frames(playground, per_round)
        after = WIRE.counts()
        sent = [total + a - b for total, a, b in zip(sent, after, before)]
        ours += times
        split_seconds += split.frames(playground, per_round)
        split_frames += per_round
        split_wire += WIRE.counts()[2] - after[2]
        naive_round = time_naive(naive, naive_per_round)
        naive_times += naive_round
        print(f"  round {round_number}: ours {len(times) / sum(times):6.1f}   naive "
              f"{len(naive_round) / sum(naive_round):5.2f}   load average {load_average()}")

    frames = len(ours)
    ours_mean_fps = frames / sum(ours)
    ours_median_fps = 1 / statistics.median(ours)
    naive_mean_fps = len(naive_times) / sum(naive_times)
    naive_median_fps = 1 / statistics.median(naive_times)
    print(f"\nframe(): {frames} frames after 20 warm-up")
    print(f"  frames/s {ours_mean_fps:7.1f} (mean)   {ours_median_fps:7.1f} (from the median)")
    print(f"  frame time p50 {percentile(ours, 50) * 1000:6.2f} ms   "
          f"p95 {percentile(ours, 95) * 1000:6.2f} ms   max {max(ours) * 1000:6.2f} ms")
    print(f"  sent per frame: {sent[0] / frames:.1f} messages, "
          f"{sent[1] / frames / 1e3:.1f} kB, serialized and signed in "
          f"{sent[2] / frames * 1000:.2f} ms ({sent[2] / sum(ours):.0%} of frame time)")
    for part, size in sorted(WIRE.bytes_by_part.items(), key=lambda item: -item[1]):
        print(f"    {part:<30} {size / (2 * frames) / 1e3:7.2f} kB/frame")

    print(f"\nwhere a frame's time goes ({split_frames} frames with each part timed, mean "
          f"{split_seconds / split_frames * 1000:.2f} ms a frame):")
    accounted = split_wire
    for name, label in PARTS.items():
        seconds = split.seconds[name]
        accounted += seconds
        print(f"  {label:<42} {seconds / split_frames * 1000:6.2f} ms  "
              f"{seconds / split_seconds:4.0%}")
    wire_ms = split_wire / split_frames * 1000
    print(f"  {'kernel messages (serialize, sign)':<42} {wire_ms:6.2f} ms  "
          f"{split_wire / split_seconds:4.0%}")
    rest = split_seconds - accounted
    print(f"  {'the rest (traits, numbers, overhead)':<42} {rest / split_frames * 1000:6.2f} ms  "
          f"{rest / split_seconds:4.0%}")

    print(f"\nnaive: {len(naive_times)} frames after 3 warm-up (matplotlib figure per epoch, "
          "PNG, display message)")
    print(f"  frames/s {naive_mean_fps:7.2f} (mean)   {naive_median_fps:7.2f} (from the median)")
    print(f"  frame time p50 {percentile(naive_times, 50) * 1000:6.1f} ms   "
          f"p95 {percentile(naive_times, 95) * 1000:6.1f} ms; "
          f"PNG {naive.png_bytes / 1e3:.0f} kB, sent {naive.sent_bytes / 1e3:.0f} kB per frame")
    ratio = ours_mean_fps / naive_mean_fps
    print(f"  ours / naive: {ratio:.1f}x (mean)   "
          f"{ours_median_fps / naive_median_fps:.1f}x (from the medians)")

    # -- play ---------------------------------------------------------------------------------
    played, elapsed, intervals = asyncio.run(play_for(playground, args.play_seconds))
    play_fps = played / elapsed
    cap = getattr(playground, "max_frames_per_second", MAX_FRAMES_PER_SECOND)
    print(f"\nplay(): {played} frames in {elapsed:.2f} s = {play_fps:.1f} frames/s "
          f"(capped at {cap} by design)")
    if intervals:
        print(f"  interval between frames p50 {percentile(intervals, 50) * 1000:.1f} ms   "
              f"p95 {percentile(intervals, 95) * 1000:.1f} ms   "
              f"max {max(intervals) * 1000:.1f} ms")

    # -- memory -------------------------------------------------------------------------------
    gc.collect()
    objects_before, blocks_before = len(gc.get_objects()), sys.getallocatedblocks()
    rss = [rss_mb()]
    chunk = max(1, args.memory_frames // 4)
    done = 0
    while done < args.memory_frames:
        step = min(chunk, args.memory_frames - done)
        time_frames(playground, step)
        done += step
        gc.collect()
        rss.append(rss_mb())
    growth = rss[-1] - rss[0]
    print(f"\nmemory over {args.memory_frames} more frames (no tracemalloc; epoch "
          f"{playground.epoch} at the end):")
    print(f"  RSS {rss[0]:.1f} MB -> {rss[-1]:.1f} MB: {growth:+.2f} MB; per {chunk} frames: "
          + ", ".join(f"{b - a:+.2f}" for a, b in pairwise(rss)) + " MB")
    print(f"  Python objects tracked by gc: {objects_before} -> {len(gc.get_objects())}; "
          f"memory blocks Python has allocated: {blocks_before} -> {sys.getallocatedblocks()} "
          "(RSS can stay flat while freed memory is reused; these cannot)")

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        time_frames(playground, args.profile)
        profiler.disable()
        print(f"\ncProfile of {args.profile} frames, top 15 by cumulative time:")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(15)

    big_fps = big_network(args.big_frames, args.rounds)

    print(f"\nsummary (load average at end {load_average()}; "
          f"{time.perf_counter() - began:.0f} s in all)")
    summary_line("frame() rate: at least 30 frames/s",
                 f"{ours_mean_fps:.1f} frames/s (mean)", ours_mean_fps >= 30)
    summary_line(f"play() rate: at least 30 frames/s (cap {cap})",
                 f"{play_fps:.1f} frames/s", play_fps >= 30)
    summary_line("at least 5x the naive matplotlib loop, same run",
                 f"{ratio:.1f}x ({naive_mean_fps:.2f} frames/s naive)", ratio >= 5)
    summary_line(f"memory growth over {args.memory_frames} frames: under 20 MB",
                 f"{growth:+.1f} MB", growth < 20)
    summary_line("8 hidden layers of 64 units: frame() at 30 frames/s",
                 f"{big_fps:.1f} frames/s (mean)", big_fps >= 30)
    summary_line(f"default setup ahead of before ({EARLIER['default']:.0f} frames/s)",
                 f"{ours_mean_fps:.1f} frames/s (mean)", ours_mean_fps > EARLIER["default"])
    print(f"  {'bytes sent per frame (no goal)':<52} "
          f"{sent[1] / frames / 1e3:.1f} kB in {sent[0] / frames:.1f} messages")
    playground.close()


if __name__ == "__main__":
    main()
