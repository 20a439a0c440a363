"""Makes the checkout importable as ansible_collections.onprem.wandb."""

import sys
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TOP / "collections"))
