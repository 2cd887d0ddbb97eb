"""The campus's time zone. Times are stored in UTC; days, months and what a person reads are in
Asia/Shanghai — the same zone for the workers, the simulators and the back-office."""

from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
