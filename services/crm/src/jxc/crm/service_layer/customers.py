"""The customer master; each change is announced as CustomerUpserted."""

from __future__ import annotations

from jxc.contracts.crm import CustomerUpserted
from jxc.crm.adapters.tables import CustomerRow
from jxc.platform.records import RecordStore


def _announce(row: CustomerRow) -> CustomerUpserted:
    return CustomerUpserted(customer_id=row.id, code=row.code, name=row.name,
                            credit_limit=row.credit_limit, currency=row.currency,
                            payment_terms_days=row.payment_terms_days,
                            category=row.category, active=row.active, version=row.version)


customers = RecordStore(CustomerRow, _announce, what="customer", sort_key=CustomerRow.code)
