"""Hidden checks for part7: Linear, ReLU, Sequential and a softmax-CE head, driven
through mlp_gradients(X, y, params) and train_mlp(X, y, params, steps, lr).

Objects cannot cross into the grader's process, so the checks reach the classes
through the learner's two drivers, which build a Sequential from the given
arrays. The expected values come from the reference, in float64, on the exact
inputs the learner got.

Networks sit on a coarse binary grid (see `network`): every hidden pre-activation
is then computed exactly in float32 and float64, in any summation order, and is
never closer to 0 than 2**-11. So the ReLU masks cannot depend on how the learner
ordered the arithmetic, and finite differences never cross a kink.

Diagnoses are named only from exact signatures: the learner's loss and gradients
equal, to the dtype's tolerance, what one specific miswiring computes (simulated
here in float64, see `simulate`), a factor of B that follows the batch size, or a
training trajectory that equals gradient descent run with one specific defect
while the learner's own gradients are right.
"""
import numpy as np

from grader.checks import (cases, cmp, check, CheckFailed, diagnosis, expect_array, expect_batch_scaling,
                           expect_close, expect_finite, expect_finite_differences, expect_grads,
                           expect_scalar, expect_tuple, matches, same, type_name)


# (B, widths): widths = (n0, n1, ..., nL) for L Linear layers. Every size distinct and
# none equal to 1, so a transposed or miswired product fails on shape.
SMALL3 = (7, (5, 8, 6, 4))
SMALL4 = (9, (5, 8, 6, 7, 4))
MEDIUM3 = (30, (16, 32, 24, 10))
MEDIUM4 = (30, (16, 32, 24, 20, 10))
ONE_LAYER = (7, (5, 4))
# Equal widths: a layer that backpropagates with another layer's cache, or the layers
# visited in forward order, gives gradients of the right shapes and wrong values.
SQUARE3 = (7, (6, 6, 6, 6))
SQUARE4 = (7, (6, 6, 6, 6, 6))

STEPS = 5
LR = 0.5


# -- inputs ------------------------------------------------------------------------------

def unit(k: int) -> float:
    """Hidden layer k's pre-activations are multiples of this, and odd ones: never 0."""
    return 2.0 ** -(3 * k + 2)


def network(rng, B, widths, dtype):
    """X, y, params for Linear-ReLU-...-Linear with len(widths) - 1 Linear layers.

    X and every hidden W are multiples of 1/4; hidden bias k is an odd multiple of
    unit(k) = 2**-(3k+2), while X·W1 is a multiple of 2**-4 and H(k-1)·Wk one of
    2**-(3k+1). So hidden pre-activation k is an odd multiple of unit(k): at least that
    far from 0, and (with |Z| < 2**24 units for these sizes) exact in float32. The last
    layer, which feeds the loss and no ReLU, is an ordinary random draw.
    """
    L = len(widths) - 1
    X = rng.integers(-4, 5, size=(B, widths[0])) * 0.25
    params = {}
    for k in range(1, L + 1):
        n_in, n_out = widths[k - 1], widths[k]
        if k < L:
            m = 2 if n_in <= 10 else 1
            W = rng.integers(-m, m + 1, size=(n_in, n_out)) * 0.25
            half = int(0.25 / unit(k))
            b = (2 * rng.integers(-half, half, size=n_out) + 1) * unit(k)
        else:
            W = rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)
            b = rng.standard_normal(n_out) * 0.1
        params[f"W{k}"] = W.astype(dtype)
        params[f"b{k}"] = b.astype(dtype)
    return X.astype(dtype), cases.labels(rng, B, widths[-1]), params


def n_layers(params) -> int:
    return sum(1 for k in params if k.startswith("W"))


def grad_names(params) -> list[str]:
    return [f"{p}{k}" for k in range(1, n_layers(params) + 1) for p in ("W", "b")] + ["X"]


def grad_shapes(X, params) -> dict:
    return {**{name: params[name].shape for name in grad_names(params)[:-1]}, "X": X.shape}


def widths_of(X, params) -> list[int]:
    return [X.shape[1]] + [params[f"W{k}"].shape[1] for k in range(1, n_layers(params) + 1)]


def f64_copy(params) -> dict:
    return {k: np.array(v, dtype=np.float64) for k, v in params.items()}


# -- calling the learner ----------------------------------------------------------------------

def learner_grads(ctx, X, y, params):
    loss, grads = expect_tuple(ctx, ctx.call("mlp_gradients", X, y, params), 2, "mlp_gradients")
    loss = expect_scalar(ctx, loss, "loss", X.dtype)
    if isinstance(grads, dict):
        shared_input_shapes(ctx, X, params, grads)
    return loss, expect_grads(ctx, grads, grad_shapes(X, params), X.dtype)


def shared_input_shapes(ctx, X, params, grads) -> None:
    """Every dWk of shape (n_{L-1}, nk): each Linear took dW from the last Linear's input."""
    widths, L = widths_of(X, params), n_layers(params)
    if L < 2 or len(set(widths)) < len(widths):
        return
    last_in = widths[L - 1]
    if all(np.shape(grads.get(f"W{k}")) == (last_in, widths[k]) for k in range(1, L)):
        ctx.diagnose("shared-layer-state",
                     f"every dW has as many rows as the input of the last Linear layer ({last_in}): "
                     f"dW1 is {(last_in, widths[1])} where W1 is {tuple(params['W1'].shape)}; each Linear computed "
                     "dW = x.T @ grad with the x of the last forward call, not with its own")


def learner_train(ctx, X, y, params, steps=STEPS, lr=LR):
    value = ctx.call("train_mlp", X, y, params, steps, lr)
    losses, trained = expect_tuple(ctx, value, 2, "train_mlp")
    if isinstance(losses, np.ndarray) and losses.ndim == 1:
        losses = list(losses)
    if not isinstance(losses, (list, tuple)):
        ctx.fail(f"losses should be a list of {steps} numbers, one per step, got {type_name(losses)}")
    if len(losses) != steps:
        ctx.fail(f"losses has {len(losses)} entries for steps={steps}: record one loss per step, "
                 "the loss at the start of that step")
    # A record of numbers: Python floats, NumPy scalars of any float dtype, or a 1-D array.
    losses = np.array([expect_scalar(ctx, v, f"losses[{t}]") for t, v in enumerate(losses)])
    if not isinstance(trained, dict):
        ctx.fail(f"train_mlp should return the trained parameters as a dict like params, got {type_name(trained)}")
    missing = [k for k in params if k not in trained]
    if missing:
        ctx.fail(f"the trained parameters are missing {', '.join(missing)}")
    trained = {k: expect_array(ctx, trained[k], f"trained[{k!r}]", params[k].shape, X.dtype) for k in params}
    return losses, trained


# -- the reference, and what known mistakes compute (float64) -----------------------------------

def expected(ctx, X, y, params):
    loss, grads = ctx.ref.mlp_gradients(np.asarray(X, np.float64), y, f64_copy(params))
    return float(loss), grads


def expected_train(ctx, X, y, params, steps=STEPS, lr=LR):
    losses, trained = ctx.ref.train_mlp(np.asarray(X, np.float64), y, f64_copy(params), steps, lr)
    return np.array([float(v) for v in losses]), trained


def simulate(X, y, params, order="reverse", share_x=False, share_mask=False, mask="z>0", relu_last=False):
    """Loss and gradients of the network wired with one defect, in float64; None when
    that wiring cannot even run on these shapes.

    order="forward": Sequential.backward visits the layers first to last.
    share_x: every Linear computes dW from the input of the last Linear's forward call.
    share_mask: every ReLU uses the mask of the last ReLU's forward call.
    mask: "z>0" (right), "none" (a mask from out >= 0, always true), "upstream" (grad > 0).
    relu_last: a ReLU after the last Linear too, so the loss sees relu(logits).
    """
    X, p = np.asarray(X, np.float64), f64_copy(params)
    L = n_layers(p)
    layers = []
    for k in range(1, L + 1):
        if k > 1:
            layers.append(("relu", k - 1))
        layers.append(("linear", k))
    if relu_last:
        layers.append(("relu", L))
    inputs, pre = {}, {}
    a = X
    for kind, k in layers:
        if kind == "linear":
            inputs[k] = a
            a = a @ p[f"W{k}"] + p[f"b{k}"]
        else:
            pre[k] = a
            a = np.maximum(a, 0)
    shifted = a - a.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(len(y))
    loss = float(-log_probs[rows, y].mean())
    g = np.exp(log_probs)
    g[rows, y] -= 1
    g /= len(y)
    last_x = inputs[max(inputs)]
    last_z = pre[max(pre)] if pre else None
    grads = {}
    try:
        for kind, k in (layers[::-1] if order == "reverse" else layers):
            if kind == "linear":
                x = last_x if share_x else inputs[k]
                grads[f"W{k}"] = x.T @ g
                grads[f"b{k}"] = g.sum(axis=0)
                g = g @ p[f"W{k}"].T
            else:
                z = last_z if share_mask else pre[k]
                g = g * {"z>0": z > 0, "none": 1.0, "upstream": g > 0}[mask]
    except ValueError:  # the shapes do not line up: this wiring would raise
        return None
    grads["X"] = g
    return loss, grads


def all_match(loss, grads, want_loss, want, dtype) -> bool:
    return matches(loss, want_loss, dtype) and all(matches(grads[n], want[n], dtype) for n in want)


MIRED = [
    (dict(order="forward"), "backward-forward-order",
     "the loss and every gradient equal those of Sequential.backward visiting the layers first to last: the "
     "gradient of the logits went into the first Linear layer"),
    (dict(share_x=True), "shared-layer-state",
     "every dW equals x.T @ grad with x the input of the last Linear layer: the Linear layers share one "
     "cached input (a class attribute, or a mutable default shared by every instance)"),
    (dict(share_mask=True), "shared-layer-state",
     "the gradients equal those of every ReLU using the mask of the last ReLU: the ReLU layers share one "
     "cached mask (a class attribute, or a mutable default shared by every instance)"),
    (dict(share_x=True, share_mask=True), "shared-layer-state",
     "the gradients equal those of every Linear using the last Linear's input and every ReLU the last ReLU's "
     "mask: the layers keep their cache on the class, shared by every instance"),
    (dict(mask="none"), "relu-grad-where-negative",
     "the gradients equal those of a network whose ReLUs pass the gradient everywhere, also where their input "
     "was negative (a mask from out >= 0 is always true)"),
    (dict(mask="upstream"), "relu-grad-where-negative",
     "the gradients equal those of ReLUs masked by the sign of the upstream gradient instead of their input"),
    (dict(relu_last=True), "relu-after-last-layer",
     "the loss and every gradient equal those of a network with a ReLU after the last Linear layer too: the "
     "loss saw relu(logits)"),
]


def recognise(ctx, X, y, params, loss, got, want_loss, want, dtype) -> None:
    """Name a miswiring when the learner's loss and gradients are exactly what it computes."""
    if all_match(loss, got, want_loss, want, dtype):
        return
    for options, id, evidence in MIRED:
        wrong = simulate(X, y, params, **options)
        if wrong is None or all_match(wrong[0], wrong[1], want_loss, want, dtype):
            continue  # cannot run here, or indistinguishable from the right answer on these inputs
        if all_match(loss, got, *wrong, dtype):
            ctx.diagnose(id, evidence)
            return


def compare_grads(ctx, got, want, dtype, named):
    for name in (n for n in grad_names(want) if n in got):  # those not set aside as broken
        expect_close(ctx, got[name], want[name], f"grads[{name!r}]", dtype, named=named)


def describe_net(B, widths) -> str:
    return f"B = {B}, {len(widths) - 1} Linear layers, widths {' -> '.join(map(str, widths))}"


# -- the checks -------------------------------------------------------------------------------------

@check("shapes", "The loss is a scalar; every gradient has its tensor's shape and dtype", hint=2)
def shapes(ctx):
    for (B, widths), dtype in ((SMALL3, np.float64), (SMALL4, np.float32), (SMALL3, np.float32)):
        learner_grads(ctx, *network(ctx.rng, B, widths, dtype))


@check("forward", "The loss matches the reference (3 and 4 Linear layers)", hint=3)
def forward(ctx):
    for dtype in cases.DTYPES:
        for B, widths in (SMALL3, SMALL4, MEDIUM3, MEDIUM4):
            X, y, params = network(ctx.rng, B, widths, dtype)
            loss, got = learner_grads(ctx, X, y, params)
            want_loss, want = expected(ctx, X, y, params)
            if not matches(loss, want_loss, dtype):
                recognise(ctx, X, y, params, loss, got, want_loss, want, dtype)
            expect_close(ctx, loss, want_loss, "loss", dtype, details=[describe_net(B, widths)])


@check("gradients", "Every dW, db and dX matches the reference (1, 3 and 4 Linear layers)", hint=2)
def gradients(ctx):
    nets = [(SMALL3, np.float64), (SMALL4, np.float64), (MEDIUM3, np.float64), (MEDIUM4, np.float64),
            (SMALL3, np.float32), (SMALL4, np.float32), (MEDIUM4, np.float32), (ONE_LAYER, np.float64)]
    for (B, widths), dtype in nets:
        X, y, params = network(ctx.rng, B, widths, dtype)
        loss, got = learner_grads(ctx, X, y, params)
        want_loss, want = expected(ctx, X, y, params)
        recognise(ctx, X, y, params, loss, got, want_loss, want, dtype)
        compare_grads(ctx, got, want, dtype, {"B": B})
    ctx.note("the loss and all gradients match for 1, 3 and 4 Linear layers, float32 and float64")


@check("wiring", "With equal widths, each layer backpropagates through its own cache, in reverse order", hint=1)
def wiring(ctx):
    # Every width equal: a layer that uses another layer's cached input or mask, or a
    # backward pass in forward order, no longer fails on shape, only on values.
    for (B, widths), dtype in ((SQUARE3, np.float64), (SQUARE4, np.float64), (SQUARE4, np.float32)):
        X, y, params = network(ctx.rng, B, widths, dtype)
        loss, got = learner_grads(ctx, X, y, params)
        want_loss, want = expected(ctx, X, y, params)
        recognise(ctx, X, y, params, loss, got, want_loss, want, dtype)
        details = [describe_net(B, widths) + ": with equal widths a miswired backward pass cannot fail on shape"]
        expect_close(ctx, loss, want_loss, "loss", dtype, details=details)
        for name in (n for n in grad_names(want) if n in got):
            expect_close(ctx, got[name], want[name], f"grads[{name!r}]", dtype, named={"B": B}, details=details)
    ctx.note("with every width equal, each layer still uses its own input and mask, visited last to first")


def where_it_entered(kind: str, carrying, L: int, correct=None) -> str | None:
    """Where a factor that only some gradients carry came in; said only when every
    gradient that does not carry it is right (`correct`), or it could be false."""
    s = set(carrying)
    params = {f"d{p}{k}" for k in range(1, L + 1) for p in ("W", "b")}
    if correct is not None and s | set(correct) != params | {"dX"}:
        return None
    biases = {f"db{k}" for k in range(1, L + 1)}
    factor = "The extra 1/B" if kind == "1/B" else "The factor B (a missing 1/B)"
    if s == params | {"dX"}:
        return (f"Where: at the loss head. {factor} is in the gradient of the logits, and every layer's backward "
                "passes it on")
    if s == params:
        return (f"Where: in Linear.backward. {factor} is in every dW and db, but dX (grad @ W.T) is right, so the "
                "gradients passed between layers are right: the layer rescales its own dW and db")
    if s and s <= biases:
        return "Where: db is the mean of the upstream gradient over the batch, where a sum belongs"
    return None


def expect_gradient_scaling(ctx, runs, L) -> None:
    biases = tuple(f"db{k}" for k in range(1, L + 1))
    try:
        expect_batch_scaling(ctx, runs, np.float64, biases=biases)
    except CheckFailed as failure:
        for found in failure.diagnoses:
            if found.id in ("missing-1-over-B", "extra-1-over-B", "bias-averaged"):
                where = where_it_entered("B" if found.id == "missing-1-over-B" else "1/B",
                                         found.extra.get("tensors", ()), L, found.extra.get("correct", ()))
                if where:
                    found.evidence = f"{found.evidence}. {where}"
                break
        raise


@check("batch-mean", "1/B enters once: the loss and gradients follow the mean over the batch", hint=4)
def batch_mean(ctx):
    # Two batch sizes, and each batch with every example given twice (B -> 2B): the mean
    # loss and the parameter gradients do not change, each row of dX halves. A factor that
    # follows B at all four sizes is a 1/B dropped or applied again; which gradients carry
    # it says where.
    widths = SMALL3[1]
    L = len(widths) - 1
    loss_runs, grad_runs = [], []
    for B in (6, 11):
        X, y, params = network(ctx.rng, B, widths, np.float64)
        for Xb, yb in ((X, y), cases.duplicate(X, y)):
            loss, got = learner_grads(ctx, Xb, yb, params)
            want_loss, want = expected(ctx, Xb, yb, params)
            if len(yb) == B:
                recognise(ctx, Xb, yb, params, loss, got, want_loss, want, np.float64)
            loss_runs.append((len(yb), {"loss": loss}, {"loss": want_loss}))
            grad_runs.append((len(yb), {f"d{k}": got[k] for k in grad_names(want) if k in got},
                              {f"d{k}": want[k] for k in grad_names(want)}))
    try:
        expect_batch_scaling(ctx, loss_runs, np.float64, what="loss")
    except CheckFailed as failure:
        try:  # a wrong loss and wrong gradients are two findings: report both
            expect_gradient_scaling(ctx, grad_runs, L)
        except CheckFailed as also:
            failure.diagnoses += [d for d in also.diagnoses if d.id not in ("wrong-shape", "non-finite")]
        raise failure
    expect_gradient_scaling(ctx, grad_runs, L)
    ctx.note("the loss and every gradient follow the batch mean at B = 6, 11 and with the batch duplicated")


@check("finite-differences", "Each gradient agrees with finite differences of your own loss", hint=2)
def finite_differences(ctx):
    B, widths = SMALL3
    X, y, params = network(ctx.rng, B, widths, np.float64)
    _, grads = learner_grads(ctx, X, y, params)
    point = {**params, "X": X}

    def loss_at(p):
        return learner_grads(ctx, p["X"], y, {k: p[k] for k in params})[0]

    expect_finite_differences(ctx, loss_at, grads, point, label=lambda n: f"grads[{n!r}]")


def recognise_training(ctx, X, y, params, losses, dtype) -> None:
    """Name what is wrong with a trajectory, when the learner's own gradients are right
    and the losses are exactly those of gradient descent with one specific defect."""
    loss0, grads0 = learner_grads(ctx, X, y, params)
    want_loss0, want0 = expected(ctx, X, y, params)
    if not all_match(loss0, grads0, want_loss0, want0, dtype):
        ctx.fail("train_mlp does not follow the reference trajectory, and mlp_gradients is already wrong at the "
                 "starting parameters", ["fix mlp_gradients first (see the gradients check): training can only be "
                                         "judged once one step's gradients are right"])
    want, _ = expected_train(ctx, X, y, params)
    rtol, atol = cmp.tolerances(dtype, float(np.abs(want).max()))
    same = lambda a, b: bool(np.all(np.abs(np.asarray(a) - np.asarray(b)) <= atol + rtol * np.abs(np.asarray(b))))
    if same(losses, np.full(len(want), want[0])) and not same(want, np.full(len(want), want[0])):
        ctx.diagnose("sgd-no-update", f"every loss equals the first, {want[0]:.6g}: the network computed the same "
                                      "loss at every step, so its layers never saw new parameters")
        return
    ascent, _ = expected_train(ctx, X, y, params, lr=-LR)
    if same(losses, ascent):
        ctx.diagnose("sgd-wrong-sign", f"the losses equal those of gradient descent run with lr = {-LR:g} "
                                       f"({', '.join(f'{v:.4g}' for v in losses)}): each step went along +dW")
        return
    if same(losses, accumulated_trajectory(ctx, X, y, params)):
        ctx.diagnose("grads-accumulate", "the losses equal those of steps along the sum of all the gradients so "
                                         "far: step t used dW of steps 1..t added up, never reset")


def accumulated_trajectory(ctx, X, y, params, steps=STEPS, lr=LR):
    p = f64_copy(params)
    total = {k: np.zeros_like(v) for k, v in p.items()}
    losses = []
    for _ in range(steps):
        loss, grads = ctx.ref.mlp_gradients(np.asarray(X, np.float64), y, p)
        losses.append(float(loss))
        for k in p:
            total[k] = total[k] + grads[k]
            p[k] = p[k] - lr * total[k]
    return np.array(losses)


@check("trajectory", "train_mlp follows the reference: every loss and the final parameters", hint=5)
def trajectory(ctx):
    for B, widths in (SMALL3, SMALL4):
        X, y, params = network(ctx.rng, B, widths, np.float64)
        losses, trained = learner_train(ctx, X, y, params)
        want, want_params = expected_train(ctx, X, y, params)
        details = [describe_net(B, widths) + f"; {STEPS} steps of W <- W - lr * dW with lr = {LR:g}",
                   f"expected losses {', '.join(f'{v:.6g}' for v in want)}"]
        if not matches(losses, want, np.float64):
            recognise_training(ctx, X, y, params, losses, np.float64)
        expect_close(ctx, losses, want, "losses", np.float64, details=details)
        for name in params:
            expect_close(ctx, trained[name], want_params[name], f"trained[{name!r}]", np.float64, details=details)
    ctx.note(f"{STEPS} steps of gradient descent match the reference, loss by loss, for 3 and 4 Linear layers")


@check("loss-decreases", "A few steps of gradient descent lower the loss (float32 and float64)", hint=5)
def loss_decreases(ctx):
    B, widths = MEDIUM3
    for dtype in (np.float64, np.float32):
        X, y, params = network(ctx.rng, B, widths, dtype)
        losses, _ = learner_train(ctx, X, y, params)
        want, _ = expected_train(ctx, X, y, params)
        expect_finite(ctx, losses, "losses")
        shown = ", ".join(f"{v:.6g}" for v in losses)
        expect_close(ctx, losses[0], want[0], "losses[0] (the loss of the given parameters)", dtype)
        assert want[-1] < want[0] - 1e-3, "the reference trajectory should descend on these inputs"
        if not losses[-1] < losses[0] - 1e-4:
            if dtype == np.float64:
                recognise_training(ctx, X, y, params, losses, dtype)
            ctx.fail(f"the loss did not go down over {STEPS} steps ({np.dtype(dtype)}): {shown}",
                     [f"gradient descent with lr = {LR:g} takes it from {want[0]:.6g} to {want[-1]:.6g}",
                      "each step is W <- W - lr * dW, on the parameters the layers actually use"])
    ctx.note(f"the loss goes down over {STEPS} steps in float32 and float64")


@check("repeatable", "Inputs unmodified, and a second call gives the same answer", hint=1)
def repeatable(ctx):
    B, widths = SMALL3
    X, y, params = network(ctx.rng, B, widths, np.float64)
    for fn, args in (("mlp_gradients", (X, y, params)), ("train_mlp", (X, y, params, STEPS, LR))):
        first = ctx.call(fn, *args)
        second = ctx.call(fn, *args)
        if not same(first, second):
            ctx.fail(f"calling {fn} twice with the same inputs gave different results",
                     ["state survives between calls: a network or a gradient buffer kept at module level or on a "
                      "class; build the layers afresh inside each call"],
                     diagnoses=[diagnosis("not-repeatable", f"{fn} returned something different the second time")])
    ctx.note("params, X and y unchanged by both functions; repeat calls agree")


CHECKS = [shapes, forward, gradients, wiring, batch_mean, finite_differences, trajectory, loss_decreases,
          repeatable]
