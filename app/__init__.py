"""Sigap: crisis-communication API for the public-relations officers of Pemprov Kalimantan Timur."""

from sqlmodel import SQLModel

__version__ = "0.1.0"

# Named constraints make migrations reviewable and reversible on both databases. Set here, before any
# model module defines a table.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
