"""The school's public data store (公共数据平台): meetings, grades, timetables, library, lockers."""
