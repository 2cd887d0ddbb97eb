"""WeChat Pay (微信支付 APIv3): JSAPI payments, refunds, trade bills and their notifications."""
