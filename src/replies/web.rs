//! The texts of the web console (SPEC §14) and of `/web`.

use chrono::NaiveDate;

use crate::report::Month;

pub const SITE: &str = "纪律明镜 · 管理控制台";
pub const NAV_OVERVIEW: &str = "概览";
pub const NAV_SUBSCRIPTIONS: &str = "订阅";
pub const NAV_CONTENT: &str = "内容";
pub const NAV_RECORDS: &str = "记实";
pub const NAV_ORGLIFE: &str = "组织生活";
pub const NAV_TASKS: &str = "督办";
pub const LOGOUT: &str = "退出登录";

pub const LOGIN_TITLE: &str = "请先登录";
pub const LOGIN_HOW: &str = "控制台仅供机器人管理员使用。请在 Telegram 中私聊机器人发送 /web，点击机器人发来的一次性登录链接（10 分钟内有效，只能使用一次）。登录后 12 小时内有效。";
pub const LINK_UNKNOWN: &str = "登录链接无效或已使用过。请重新发送 /web 获取新链接。";
pub const LINK_EXPIRED: &str = "登录链接已过期（有效期 10 分钟）。请重新发送 /web 获取新链接。";
pub const LOGGED_OUT: &str = "已退出登录。";
pub const LOGGED_IN: &str = "登录成功";
pub const ENTER: &str = "进入控制台";
pub const FORBIDDEN: &str =
    "请求无效（表单已过期或来自其他网站），未作任何修改。请刷新页面后重试。";
pub const NOT_FOUND: &str = "页面不存在。";
pub const INTERNAL: &str = "出错了，请稍后再试。";

pub const TODAY: &str = "今日投递";
pub const KIND: &str = "类型";
pub const SENT: &str = "已发送";
pub const PENDING: &str = "待发送";
pub const FAILED: &str = "失败";
pub const MISSED: &str = "错过";
pub const NOTHING_TODAY: &str = "今日暂无投递。";
pub const CHART_TITLE: &str = "近 30 天投递";
pub const NEXT: &str = "下次投递";
pub const NONE_NEXT: &str = "暂无";
pub const SUBSCRIPTIONS_ACTIVE: &str = "有效订阅";
pub const SUBSCRIPTIONS_INACTIVE: &str = "已停用订阅";

pub const TITLE: &str = "名称";
pub const TIME: &str = "时间";
pub const DAYS: &str = "投递日";
pub const STATE: &str = "状态";
pub const LAST: &str = "最近投递";
pub const ACTIVE: &str = "有效";
pub const INACTIVE: &str = "已停用";
pub const NO_SUBSCRIPTIONS: &str = "还没有订阅。";
pub const NEVER: &str = "无";

pub const SEARCH: &str = "搜索";
pub const SEARCH_HINT: &str = "编号、类别、文本或出处";
pub const ADD: &str = "添加条目";
pub const CATEGORY: &str = "类别";
pub const TEXT: &str = "文本";
pub const SOURCE: &str = "出处";
pub const SOURCE_HINT: &str = "习语、法规、经典须注明出处";
pub const SAVE: &str = "保存";
pub const EDIT: &str = "编辑";
pub const DELETE: &str = "删除";
pub const DELETE_CONFIRM: &str = "删除此条目";
pub const BACK: &str = "返回内容列表";
pub const NO_ITEMS: &str = "没有符合条件的条目。";
pub const SHIPPED: &str = "内置";

pub const MEMBER: &str = "成员";
pub const RATE: &str = "学习率";
pub const NO_RECORDS: &str = "本月没有已发送的每日提醒，暂无记实。";
pub const NO_GROUPS: &str = "没有有效的群组订阅。";
pub const PREV_MONTH: &str = "上月";
pub const NEXT_MONTH: &str = "下月";

pub const ORG_ITEM: &str = "项目";
pub const ORG_PERIOD: &str = "周期";
pub const ORG_DONE: &str = "已完成";
pub const ORG_OPEN: &str = "待完成";
pub const ORG_LATER: &str = "本期未到期";
pub const ORG_NONE: &str = "本月没有开启组织生活提醒的群组。";
pub const COMPLETION: &str = "完成率";

pub const TASK_NO: &str = "编号";
pub const TASK_TITLE: &str = "事项";
pub const TASK_CREATED: &str = "交办日";
pub const TASK_MILESTONES: &str = "行动 / 进展 / 结果";
pub const TASK_STANDING: &str = "进度";
pub const TASK_LATEST: &str = "最新进展";
pub const TASK_MAJOR: &str = "重大";
pub const TASK_OVERDUE: &str = "逾期";
pub const TASK_FINISHED: &str = "已办结";
pub const TASK_CANCELLED: &str = "已撤销";
pub const TASK_NEXT: &str = "待";
pub const NO_TASKS: &str = "没有督办事项。";

/// "2026年11月".
pub fn month(m: Month) -> String {
    format!("{}年{}月", m.year(), m.month())
}

/// "11月3日".
pub fn day(d: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}月{}日", d.month(), d.day())
}

/// The answer to `/web`: the one-time link, valid `minutes`.
pub fn login_link(url: &str, minutes: i64) -> String {
    format!(
        "管理控制台登录链接（{minutes} 分钟内有效，只能使用一次，请勿转发）：\n{}",
        crate::edition::escape(url)
    )
}

/// `/web` when the web server is off or has no public address.
pub fn console_off() -> String {
    "管理控制台未开启：运维人员需在 config.toml 的 [web] 中设置 listen 和 public_url。".to_string()
}
