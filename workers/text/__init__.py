"""What a student reads: yuan, masks, Asia/Shanghai times, periods, bills."""
