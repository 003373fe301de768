# SPDX-License-Identifier: GPL-2.0
"""The host side of scripts/pmm: one module per subcommand or concern."""
