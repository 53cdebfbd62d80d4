"""Reference solution for part2: forward and backward of an affine layer.

    Z = A @ W + b        A [B, n_in], W [n_in, n_out], b [n_out]  ->  Z [B, n_out]

Given the upstream gradient dZ = dloss/dZ [B, n_out]:

    dA = dZ @ W.T        [B, n_out] @ [n_out, n_in]  -> [B, n_in]
    dW = A.T @ dZ        [n_in, B]  @ [B, n_out]     -> [n_in, n_out]
    db = sum of dZ over the batch axis               -> [n_out]

A useful way to remember these: each gradient has the shape of the thing it is
the gradient of, and there is exactly one way to multiply the available
matrices to get that shape.
"""



def linear_forward(A, W, b):
    """Affine map of a batch of row vectors.

    Inputs:
    - A: np.ndarray of shape (B, n_in), float32 or float64.
    - W: np.ndarray of shape (n_in, n_out), same dtype as A.
    - b: np.ndarray of shape (n_out,), same dtype as A.

    Returns:
    - Z: np.ndarray of shape (B, n_out), same dtype as A; Z = A @ W + b, with b
      broadcast over the B rows.
    """
    return A @ W + b


def linear_backward(dZ, A, W):
    """Backward pass of Z = A @ W + b.

    Inputs:
    - dZ: np.ndarray of shape (B, n_out); upstream gradient dloss/dZ. It already
      includes any 1/B factor from a mean loss.
    - A: np.ndarray of shape (B, n_in); the input seen by the forward pass.
    - W: np.ndarray of shape (n_in, n_out); the weights used in the forward pass.

    All arrays share one float dtype (float32 or float64).

    Returns a tuple of:
    - dA: np.ndarray of shape (B, n_in), gradient with respect to A.
    - dW: np.ndarray of shape (n_in, n_out), gradient with respect to W.
    - db: np.ndarray of shape (n_out,), gradient with respect to b.
    """
    # Z[i, j] = sum_k A[i, k] W[k, j] + b[j].
    # dZ[i, j] reaches A[i, k] through W[k, j]: dA[i, k] = sum_j dZ[i, j] W[k, j].
    dA = dZ @ W.T  # (B, n_out) @ (n_out, n_in) -> (B, n_in)

    # W[k, j] is used by every example i, so its gradient sums over the batch:
    # dW[k, j] = sum_i A[i, k] dZ[i, j]. The matrix product does that sum.
    dW = A.T @ dZ  # (n_in, B) @ (B, n_out) -> (n_in, n_out)

    # b[j] is added to every row, so its gradient is the column sum of dZ. A sum,
    # not a mean, and no keepdims: b has shape (n_out,), so db must too.
    db = dZ.sum(axis=0)  # (n_out,)

    # No division by B anywhere: if the loss is a batch mean, the 1/B is already
    # inside dZ. Dividing again here would shrink these gradients by another 1/B.
    return dA, dW, db
