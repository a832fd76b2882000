# A sequence classifier: variable-length sequences padded and packed, an LSTM, and a linear head on
# the last hidden state; trained with Adam and gradient clipping.
import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

rng = np.random.RandomState(0)
lengths = rng.randint(3, 9, size=32)
labels = torch.tensor(rng.randint(0, 3, size=32))
sequences = [torch.tensor(np.sin(np.arange(n)[:, None] * (0.4 + 0.5 * label) + np.arange(4)) + 0.1 * rng.randn(n, 4),
                          dtype=torch.float32) for n, label in zip(lengths, labels.tolist())]
padded = pad_sequence(sequences, batch_first=True)          # (32, max_len, 4)
lengths = torch.tensor(lengths)


class Classifier(nn.Module):
    def __init__(self, input_size, hidden_size, classes):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers=2, batch_first=True)
        self.head = nn.Linear(hidden_size, classes)

    def forward(self, x, lengths):
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        output, (h_n, c_n) = self.lstm(packed)
        unpacked, out_lengths = pad_packed_sequence(output, batch_first=True)
        return self.head(h_n[-1]), unpacked, out_lengths


model = Classifier(4, 8, 3)
with torch.no_grad():  # fixed weights instead of the random initialisation
    for i, (_, param) in enumerate(sorted(model.named_parameters())):
        param.copy_(torch.sin(torch.arange(param.numel(), dtype=torch.float32) * 0.7 + i).reshape(param.shape) * 0.3)

optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(15):
    optimizer.zero_grad()
    logits, unpacked, out_lengths = model(padded, lengths)
    loss = loss_fn(logits, labels)
    loss.backward()
    norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()
    if epoch % 3 == 0:
        accuracy = (logits.argmax(dim=1) == labels).float().mean().item()
        print(f"epoch {epoch} loss {loss.item():.5f} grad norm {norm.item():.5f} accuracy {accuracy:.4f}")
print("unpacked", list(unpacked.shape), "lengths match", torch.equal(out_lengths, lengths))
print("padding is zero", unpacked[lengths < unpacked.shape[1]].shape[0] > 0 and
      bool((unpacked[0, lengths[0]:] == 0).all()))
with torch.no_grad():
    print("first logits", [f"{v:.4f}" for v in model(padded, lengths)[0][0].tolist()])
