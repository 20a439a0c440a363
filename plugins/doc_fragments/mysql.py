# Copyright: (c) 2026, onprem.wandb contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Connection options shared by the wandb_mysql_* modules; the names match
    # community.mysql's so one connection dict serves both collections.
    DOCUMENTATION = r"""
options:
  login_host:
    description:
      - Host name or address of the MySQL server.
    type: str
    default: localhost
  login_port:
    description:
      - TCP port of the MySQL server.
    type: int
    default: 3306
  login_unix_socket:
    description:
      - Path of the server's Unix socket. When set, O(login_host) and O(login_port) are ignored.
    type: str
  login_user:
    description:
      - The account to log in with. It needs C(SYSTEM_VARIABLES_ADMIN) (or C(SUPER)) to apply
        settings.
    type: str
  login_password:
    description:
      - Password of O(login_user). Never logged.
    type: str
  connect_timeout:
    description:
      - Seconds to wait for the connection.
    type: int
    default: 10
  read_timeout:
    description:
      - Seconds to wait for a query result (also used as the write timeout).
    type: int
    default: 30
  ca_cert:
    description:
      - CA bundle (path on the managed host) to verify the server's certificate with. Setting
        it turns TLS on.
    type: path
    aliases: [ssl_ca]
  client_cert:
    description:
      - Client certificate for servers that require one.
    type: path
    aliases: [ssl_cert]
  client_key:
    description:
      - Key of O(client_cert).
    type: path
    aliases: [ssl_key]
  check_hostname:
    description:
      - Whether the server certificate's name must match O(login_host). Only with O(ca_cert).
    type: bool
    default: true
  allow_unsupported_flavor:
    description:
      - W&B supports MySQL only. With V(true), MariaDB (10.11 or later) is accepted with a
        warning instead of an error.
    type: bool
    default: false
requirements:
  - pymysql (Debian/Ubuntu C(python3-pymysql), RHEL C(python3-PyMySQL)) on the managed host.
notes:
  - The server must be MySQL 8.0.32 or later (W&B requires 8.4 LTS; older releases get a
    warning), or MariaDB 10.11 or later with O(allow_unsupported_flavor=true).
"""
