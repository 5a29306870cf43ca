"""The clearing-house's exchange: accounts and roles, API tokens, web sessions, the audit trail.

Built on the store (its tables are in :mod:`migstat.store.schema`, written through
:meth:`~migstat.store.Store.writing`); who may read what stays decided by the store's access
gate, :mod:`migstat.store.access`, which an account's :class:`~migstat.store.Principal` is
handed to.

- :mod:`~migstat.exchange.passwords`: argon2id hashes and the password rules;
- :mod:`~migstat.exchange.accounts`: the accounts and their roles;
- :mod:`~migstat.exchange.tokens`: API tokens for machines (stored hashed, expiring, revocable);
- :mod:`~migstat.exchange.sessions`: server-side web sessions;
- :mod:`~migstat.exchange.signin`: signing in, throttled per login and per client address;
- :mod:`~migstat.exchange.audit`: the append-only, hash-chained audit trail.
"""
