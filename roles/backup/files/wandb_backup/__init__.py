"""The onprem.wandb backup job: W&B's database and /vol, verified, kept, copied, drilled.

Installed on the W&B host by the onprem.wandb.backup role and run by systemd
(wandb-backup@.service, wandb-backup-drill.service) without the controller.
Its configuration (/etc/wandb-backup/config.json) is written by the role; the
W&B facts in it (paths, the migration table) come from the collection's
configuration model, never from this code.
"""

# The layout of a backup directory; a restore refuses formats it does not know.
FORMAT = 1
__version__ = "1.0.0"
