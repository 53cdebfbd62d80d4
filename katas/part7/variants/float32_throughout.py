"""Every array and scalar kept in the input's dtype on purpose: lr and 1/B cast to it, buffers created with dtype=, matmuls with dtype=.

Correct: float32 in gives float32 everywhere, float64 in gives float64.
"""
import numpy as np

KATA_EXPECT = {"passes": True}


class Linear:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x):
        self.x = x
        out = np.matmul(x, self.W, dtype=x.dtype)
        out += self.b
        return out

    def backward(self, grad):
        self.dW = np.matmul(self.x.T, grad, dtype=grad.dtype)
        self.db = np.sum(grad, axis=0, dtype=grad.dtype)
        return np.matmul(grad, self.W.T, dtype=grad.dtype)


class ReLU:
    def forward(self, x):
        self.mask = x > 0
        out = np.zeros_like(x)
        np.copyto(out, x, where=self.mask)
        return out

    def backward(self, grad):
        out = np.zeros_like(grad)
        np.copyto(out, grad, where=self.mask)
        return out


class Sequential:
    def __init__(self, layers):
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad):
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad


class SoftmaxCrossEntropy:
    def forward(self, logits, y):
        dtype = logits.dtype
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True, dtype=dtype)
        self.probs = exp / total
        self.y = y
        picked = shifted[np.arange(len(y)), y] - np.log(total[:, 0])
        return dtype.type(-1) * picked.mean(dtype=dtype)

    def backward(self):
        dtype = self.probs.dtype
        onehot = np.zeros(self.probs.shape, dtype=dtype)
        onehot[np.arange(len(self.y)), self.y] = dtype.type(1)
        return (self.probs - onehot) * dtype.type(1.0 / len(self.y))


def build(params):
    layers = []
    for k in range(1, len(params) // 2 + 1):
        if layers:
            layers.append(ReLU())
        layers.append(Linear(params[f"W{k}"], params[f"b{k}"]))
    return Sequential(layers)


def mlp_gradients(X, y, params):
    net, head = build(params), SoftmaxCrossEntropy()
    loss = head.forward(net.forward(X), y)
    dX = net.backward(head.backward())
    grads = {"X": dX}
    for k, layer in enumerate((l for l in net.layers if isinstance(l, Linear)), start=1):
        grads[f"W{k}"] = layer.dW
        grads[f"b{k}"] = layer.db
    return loss, grads


def train_mlp(X, y, params, steps, lr):
    lr = X.dtype.type(lr)
    trained = {k: v.astype(X.dtype, copy=True) for k, v in params.items()}
    net, head = build(trained), SoftmaxCrossEntropy()
    linears = [l for l in net.layers if isinstance(l, Linear)]
    losses = []
    for _ in range(steps):
        losses.append(head.forward(net.forward(X), y))
        net.backward(head.backward())
        for layer in linears:
            np.subtract(layer.W, lr * layer.dW, out=layer.W)
            np.subtract(layer.b, lr * layer.db, out=layer.b)
    return losses, trained
