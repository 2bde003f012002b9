"""crm's consumer group: sales activity per customer (purchase history and RFM
segments) is built from sales' events; its handlers arrive with sales orders."""

from __future__ import annotations

from jxc.contracts import topics
from jxc.platform.bus import EventConsumer

sales_activity = EventConsumer("crm.sales_activity", [topics.SALES_EVENTS])
