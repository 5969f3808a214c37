package web

import (
	"net/http"
	"strconv"
	"strings"
)

// Languages: Chinese by default; English when the toggle chose it (a
// cookie) or, without a choice, when Accept-Language prefers it.
const (
	zh = "zh"
	en = "en"
)

func langOf(r *http.Request) string {
	return acceptLanguage(chosenLanguage(r))
}

// chosenLanguage is the language the reader asked for, as an
// Accept-Language for the API: the toggle's choice, else the browser's
// own header as it came; "" when neither says (the API then keeps its
// default, and mails stay bilingual).
func chosenLanguage(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && (c.Value == zh || c.Value == en) {
		return c.Value
	}
	return r.Header.Get("Accept-Language")
}

// acceptLanguage picks zh or en from an Accept-Language header: the
// first of the two by quality, zh when neither is named.
func acceptLanguage(h string) string {
	best, bestQ := zh, -1.0
	for _, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if (primary == zh || primary == en) && q > bestQ && q > 0 {
			best, bestQ = primary, q
		}
	}
	return best
}

func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	l := r.PostFormValue("lang")
	if l != zh && l != en {
		l = zh
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	s.api(r, call{method: http.MethodPut, path: "/me/language", body: map[string]string{"language": l}}) // signed in: mails follow the toggle; else 401, ignored
	back := r.PostFormValue("back")
	if !localPath(back) {
		back = "/"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// localPath reports whether p is a path on this site (no scheme, no host),
// safe to redirect to.
func localPath(p string) bool {
	return strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "/\\") && !strings.ContainsAny(p, "\r\n")
}

// msgs holds every text of the pages: key → {Chinese, English}.
var msgs = map[string][2]string{
	"app":             {"国际会议管理平台", "International Conference Management"},
	"skip":            {"跳到正文", "Skip to content"},
	"simulated_clock": {"培训环境：时间为模拟时钟（非真实时间），当前模拟时间", "Training instance: the time is a simulated clock, not the real one; simulated now"},
	"nav":             {"主导航", "Main navigation"},
	"inbox":           {"待办", "Inbox"},
	"forecasts":       {"预报列表", "Forecasts"},
	"new_forecast":    {"填报预报", "New forecast"},
	"sign_in":         {"登录", "Sign in"},
	"sign_out":        {"退出", "Sign out"},
	"register":        {"注册", "Register"},
	"switch_lang":     {"English", "中文"},
	"switch_lang_to":  {"en", "zh"},
	"email":           {"电子邮箱", "Email"},
	"password":        {"密码", "Password"},
	"password_hint":   {"至少15个字符，勿使用常见密码或包含邮箱、姓名", "At least 15 characters; no common password, nothing of your email or name"},
	"bad_login":       {"邮箱或密码错误。", "Wrong email or password."},
	"sso_with":        {"通过%s登录", "Sign in with %s"},
	"signed_in_as":    {"当前用户", "Signed in as"},
	"no_account":      {"还没有账号？", "No account yet?"},
	"have_code":       {"已收到激活码？", "Got an activation code?"},
	"activate":        {"激活账号", "Activate the account"},
	"code":            {"激活码", "Activation code"},
	"code_sent":       {"激活码已发送到您的邮箱，请在下方输入。", "An activation code was sent to your email: enter it below."},
	"activated":       {"账号已激活，请登录。", "The account is active: sign in."},
	"name":            {"姓名", "Name"},
	"mobile":          {"手机", "Mobile"},
	"staff_no":        {"工号", "Staff number"},
	"university":      {"学校", "University"},
	"unit":            {"单位", "Unit"},
	"choose":          {"请选择", "Choose"},
	"unavailable":     {"本服务器未开放自助注册。", "This server does not offer self-registration."},
	"error_summary":   {"请更正以下问题：", "Please correct the following:"},
	"saved":           {"已提交。", "Submitted."},
	"decided":         {"已处理。", "Done."},

	"role_applicant":          {"教职工", "Applicant"},
	"role_unit_admin":         {"单位管理员", "Unit administrator"},
	"role_school_admin":       {"学校国际处", "International office"},
	"role_authority_reviewer": {"上级主管部门", "Authority reviewer"},
	"role_auditor":            {"审计", "Auditor"},
	"role_analyst":            {"分析", "Analyst"},
	"role_platform_admin":     {"平台管理员", "Platform administrator"},

	"status_submitted":       {"个人申请", "Submitted"},
	"status_unit_approved":   {"单位初审通过", "Approved by the unit"},
	"status_school_approved": {"单位终审通过", "Approved by the school"},
	"status_approved":        {"预报审核通过", "Approved"},
	"status_rejected":        {"审核驳回", "Rejected"},
	"status_withdrawn":       {"已删除", "Withdrawn"},

	"scale_small":   {"小型", "Small"},
	"scale_general": {"一般", "General"},
	"scale_major":   {"重大", "Major"},

	"inbox_review":   {"待我审核", "Waiting for my review"},
	"inbox_revise":   {"待我修改（已驳回）", "Waiting for my revision (rejected)"},
	"inbox_progress": {"审核中", "In review"},
	"inbox_empty":    {"暂无待办事项。", "Nothing waits for you."},
	"inbox_none":     {"您的角色没有待办事项，请使用列表查看记录。", "Your role has no tasks: use the lists to read records."},
	"due":            {"截止日期", "Due"},
	"overdue":        {"已逾期", "Overdue"},
	"count":          {"数量", "Count"},
	"all":            {"全部", "All"},

	"col_name":      {"会议名称", "Conference"},
	"col_applicant": {"申请人", "Applicant"},
	"col_unit":      {"单位", "Unit"},
	"col_start":     {"举办日期", "Start"},
	"col_status":    {"状态", "Status"},
	"col_scale":     {"规模", "Scale"},
	"col_submitted": {"提交时间", "Submitted"},
	"col_foreign":   {"外宾人数", "Foreign guests"},
	"col_year":      {"计划年度", "Plan year"},
	"keyword":       {"关键词", "Keyword"},
	"filter":        {"筛选", "Filter"},
	"sort_asc":      {"升序", "ascending"},
	"sort_desc":     {"降序", "descending"},
	"sorted":        {"当前排序", "sorted"},
	"prev":          {"上一页", "Previous"},
	"next":          {"下一页", "Next"},
	"page_of":       {"第 %d 页，共 %d 条", "Page %d, %d in all"},
	"no_results":    {"没有符合条件的记录。", "No record matches."},
	"export":        {"导出", "Export"},
	"results":       {"查询结果", "Results"},

	"record":                       {"预报详情", "Forecast"},
	"current_status":               {"当前状态", "Status"},
	"holder":                       {"当前处理", "Held by"},
	"since":                        {"自", "since"},
	"version":                      {"版本", "Version"},
	"approval_log":                 {"报批日志", "Approval log"},
	"log_at":                       {"时间", "When"},
	"log_actor":                    {"处理人", "Who"},
	"log_action":                   {"操作", "Action"},
	"log_comment":                  {"意见", "Comment"},
	"log_policy":                   {"政策版本", "Policy"},
	"decision":                     {"审核", "Decision"},
	"comment":                      {"审核意见（通过可不填，驳回必填）", "Comment (optional to approve, required to reject)"},
	"approve":                      {"通过", "Approve"},
	"reject":                       {"驳回", "Reject"},
	"revise":                       {"修改并重新提交", "Revise and resubmit"},
	"withdraw":                     {"撤回", "Withdraw"},
	"stale":                        {"此记录在您打开页面后已被他人处理，您的操作未生效。下面是最新内容，请核对后再决定。", "Someone acted on this record after you opened the page; your decision was not recorded. The current record is below: check it and decide again."},
	"details":                      {"基本信息", "Details"},
	"warnings":                     {"提示", "Warnings"},
	"not_found":                    {"记录不存在或您无权查看。", "No such record, or not yours to see."},
	"forbidden":                    {"您的角色不能进行此操作。", "Your role may not do this."},
	"server_error":                 {"服务暂时不可用，请稍后重试。", "The service is unavailable for a moment: try again shortly."},
	"back_to_list":                 {"返回列表", "Back to the list"},
	"submit":                       {"提交", "Submit"},
	"save":                         {"保存", "Save"},
	"forecast_form":                {"国际会议预报", "Conference forecast"},
	"sec_applicant":                {"申请人", "Applicant"},
	"sec_conference":               {"会议", "Conference"},
	"sec_hosting":                  {"主办、承办单位", "Hosting organisations"},
	"f_title":                      {"职称", "Title"},
	"f_unit":                       {"申报单位", "Unit"},
	"f_department":                 {"所在院系", "Department"},
	"f_nameZh":                     {"会议中文名称", "Name (Chinese)"},
	"f_nameEn":                     {"会议英文名称", "Name (English)"},
	"f_startDate":                  {"拟举办日期", "Start date"},
	"f_commitmentDate":             {"拟对外承诺日期", "Commitment date"},
	"f_local":                      {"在本地举办", "Held locally"},
	"f_province":                   {"举办省份", "Province"},
	"f_address":                    {"举办地址", "Address"},
	"f_offsite":                    {"异地办会理由", "Why not locally"},
	"f_type":                       {"会议类型", "Type"},
	"f_scale":                      {"会议规模", "Scale"},
	"f_chineseCount":               {"中方人数", "Chinese participants"},
	"f_foreignCount":               {"外方人数", "Foreign participants"},
	"f_funding":                    {"经费来源", "Funding source"},
	"f_remarks":                    {"备注", "Remarks"},
	"f_org_role":                   {"角色", "Role"},
	"f_org_nameZh":                 {"中文名称", "Name (Chinese)"},
	"f_org_nameEn":                 {"英文名称", "Name (English)"},
	"f_org":                        {"单位 %d", "Organisation %d"},
	"flags":                        {"特殊情形", "Special cases"},
	"type_natural_science":         {"自然科学", "Natural science"},
	"type_social_science":          {"人文社科", "Social science"},
	"role_host":                    {"主办", "Host"},
	"role_organiser":               {"承办", "Organiser"},
	"role_co_organiser":            {"协办", "Co-organiser"},
	"role_joint":                   {"合办", "Joint"},
	"flag_sensitive":               {"涉及重大敏感问题", "Sensitive issues"},
	"flag_unBody":                  {"联合国机构大会或特别会议", "UN body assembly"},
	"flag_intergovernmentalOrg":    {"重要国际组织大会或特别会议", "Major international organisation assembly"},
	"flag_coreInterests":           {"事关核心利益或重要国际问题", "Core interests"},
	"flag_foreignMinisters":        {"外国正部长及以上出席", "Foreign ministers attend"},
	"flag_nationalLeaders":         {"邀请党和国家领导人出席", "National leaders invited"},
	"flag_stateLeadersNpc":         {"邀请人大、政协、两高领导出席", "NPC/CPPCC leaders invited"},
	"reset":                        {"重置密码", "Reset the password"},
	"reset_send":                   {"发送验证码", "Send a code"},
	"reset_sent":                   {"如该邮箱已注册，验证码已发送，请在下方输入并设置新密码。", "If the address has an account, a code was sent to it: enter it below with a new password."},
	"reset_code":                   {"验证码", "Code"},
	"new_password":                 {"新密码", "New password"},
	"reset_done":                   {"密码已重置，请用新密码登录。", "The password was reset: sign in with the new one."},
	"forgot":                       {"忘记密码？", "Forgot the password?"},
	"notifications":                {"通知", "Notifications"},
	"unread":                       {"未读", "unread"},
	"mark_read":                    {"全部标为已读", "Mark all as read"},
	"no_notifications":             {"暂无通知。", "No notifications."},
	"declarations":                 {"申报列表", "Declarations"},
	"inbox_decl_review":            {"申报待我审核", "Declarations waiting for my review"},
	"inbox_decl_drafts":            {"申报待完善（草稿或已驳回）", "Declarations to complete (drafts or rejected)"},
	"inbox_decl_progress":          {"申报审核中", "Declarations in review"},
	"no_due":                       {"无截止日期", "no due date"},
	"f_endDate":                    {"结束日期", "End date"},
	"doc_form":                     {"预报申请表（PDF）", "Application form (PDF)"},
	"doc_log":                      {"报批日志（PDF）", "Approval log (PDF)"},
	"doc_approval-form":            {"在华举办国际会议审批表（PDF）", "Approval form (PDF)"},
	"dstatus_draft":                {"保存会议信息", "Draft"},
	"dstatus_submitted":            {"个人申请", "Submitted"},
	"dstatus_unit_approved":        {"单位初审通过", "Approved by the unit"},
	"dstatus_unit_rejected":        {"单位初审驳回", "Rejected by the unit"},
	"dstatus_school_approved":      {"学校审核通过", "Approved by the school"},
	"dstatus_school_rejected":      {"学校审核驳回", "Rejected by the school"},
	"dstatus_authority_approved":   {"获批", "Approved"},
	"dstatus_authority_rejected":   {"上级主管部门驳回", "Rejected by the authority"},
	"dstatus_withdrawn":            {"已撤回", "Withdrawn"},
	"declaration_form":             {"国际会议申报", "Conference declaration"},
	"back_to_record":               {"返回申报详情", "Back to the declaration"},
	"sections":                     {"表单分节", "Sections"},
	"sec_basic":                    {"基本信息", "Basic information"},
	"sec_attendance":               {"参会人数", "Attendance"},
	"save_draft":                   {"保存草稿", "Save the draft"},
	"draft_saved":                  {"草稿已保存。", "The draft was saved."},
	"submit_declaration":           {"提交申报", "Submit the declaration"},
	"commitment":                   {"本人已阅读并承诺遵守承诺书", "I have read the commitment letter and abide by it"},
	"f_location":                   {"举办地", "Location"},
	"loc_local":                    {"本地", "Local"},
	"loc_other_city":               {"外地", "Another city"},
	"f_att_foreign":                {"外方人数", "Foreign participants"},
	"f_att_mainland":               {"大陆人数", "Mainland participants"},
	"f_att_hmt":                    {"港澳台人数", "Hong Kong, Macao and Taiwan participants"},
	"declare":                      {"开始申报", "Start the declaration"},
	"notice":                       {"本人已阅读申报须知", "I have read the declaration notice"},
	"edit_declaration":             {"填写申报表", "Fill in the declaration"},
	"sec_budget":                   {"经费预算", "Budget"},
	"sec_content":                  {"会议内容", "Content"},
	"sec_people":                   {"主要人员", "Key people"},
	"sec_agenda":                   {"会议日程", "Agenda"},
	"sec_contacts":                 {"联系人", "Contacts"},
	"sec_statements":               {"情况说明", "Statements"},
	"history":                      {"历史记录（由事件流重放）", "History (replayed from the stream)"},
	"back_to_record_page":          {"返回记录", "Back to the record"},
	"as_of":                        {"截至时间（北京时间）", "As of (Beijing time)"},
	"replay":                       {"重放", "Replay"},
	"as_of_now":                    {"查看当前", "As of now"},
	"status_as_of":                 {"%s 时的状态", "Status as of %s"},
	"chain":                        {"哈希链校验", "Hash chain"},
	"chain_ok":                     {"完整", "intact"},
	"chain_broken":                 {"自第 %d 个事件起断裂", "broken from event %d"},
	"hist_change":                  {"变更", "Change request"},
	"hist_summary":                 {"总结", "Summary"},
	"hist_deadlines":               {"期限", "Deadlines"},
	"hist_command":                 {"命令", "Command"},
	"hist_hash":                    {"哈希", "Hash"},
	"as_of_this":                   {"查看此时的状态", "Replay as of"},
	"simulated":                    {"模拟时钟", "simulated clock"},
	"statistics":                   {"统计", "Statistics"},
	"stats_year":                   {"年度", "Year"},
	"stats_declarations_status":    {"申报按状态", "Declarations by status"},
	"stats_forecasts_status":       {"预报按状态", "Forecasts by status"},
	"stats_scale":                  {"申报按规模", "Declarations by scale"},
	"stats_unit":                   {"申报按单位", "Declarations by unit"},
	"stats_lead_times":             {"申报提前天数（提交至会议开幕，按单位平均）", "Lead time: days from submission to the conference's opening, average per unit"},
	"stats_avg_days":               {"平均天数", "Average days"},
	"stats_attendance":             {"实际参会人数按地区和国家（已通过的总结）", "Actual attendance by region and country (accepted summaries)"},
	"region_mainland":              {"大陆", "Mainland"},
	"region_hong_kong":             {"香港", "Hong Kong"},
	"region_macao":                 {"澳门", "Macao"},
	"region_taiwan":                {"台湾", "Taiwan"},
	"region_foreign":               {"外国", "Foreign"},
	"total":                        {"合计", "total"},
	"no_data":                      {"暂无数据。", "No data."},
	"data_table":                   {"数据表", "Data table"},
	"category_col":                 {"类别", "Category"},
	"admin":                        {"系统管理", "Administration"},
	"admin_nav_organisations":      {"组织机构", "Organisations"},
	"admin_nav_users":              {"账号", "Accounts"},
	"admin_nav_policy":             {"政策参数", "Policy"},
	"admin_nav_projections":        {"读模型状态", "Read models"},
	"admin_orgs":                   {"组织机构", "Organisations"},
	"admin_users":                  {"账号管理", "Accounts"},
	"admin_policy":                 {"政策参数", "Policy"},
	"admin_projections":            {"读模型状态", "Read models"},
	"org_kind":                     {"层级", "Level"},
	"org_parent":                   {"上级", "Parent"},
	"email_domains":                {"邮箱域名（学校，逗号分隔）", "Email domains (universities; comma-separated)"},
	"kind_authority":               {"上级主管部门", "Authority"},
	"kind_university":              {"高校", "University"},
	"kind_unit":                    {"院系/单位", "Unit"},
	"kind_bureau":                  {"国际合作局", "Bureau"},
	"kind_academy":                 {"科学院", "Academy"},
	"kind_institute":               {"院属单位", "Institute"},
	"none":                         {"无", "None"},
	"new_org":                      {"新建组织机构", "New organisation"},
	"create":                       {"创建", "Create"},
	"saved_ok":                     {"已保存。", "Saved."},
	"org":                          {"所属机构", "Organisation"},
	"role":                         {"角色", "Role"},
	"account_state":                {"状态", "State"},
	"change_role":                  {"修改角色", "Change the role"},
	"active":                       {"启用", "Active"},
	"disabled":                     {"已停用", "Disabled"},
	"disable":                      {"停用", "Disable"},
	"enable":                       {"启用", "Enable"},
	"new_user":                     {"新建账号", "New account"},
	"policy_json":                  {"政策（JSON）", "Policy (JSON)"},
	"policy_hint":                  {"修改后先预览与现行版本的差异，确认后发布；version须为新的版本名。", "Preview the differences from the policy in force, then publish; version must be a new name."},
	"policy_preview":               {"预览差异", "Preview the differences"},
	"policy_diff":                  {"与现行版本的差异", "Differences from the policy in force"},
	"policy_same":                  {"与现行版本相同，无需发布。", "The same as the policy in force: nothing to publish."},
	"publish_version":              {"确认发布版本 %s", "Publish version %s"},
	"policy_published":             {"已发布新的政策版本。", "The new policy version is in force."},
	"policy_moved":                 {"预览后政策已被他人修改，请核对新的差异后再发布。", "Someone published a policy after your preview: check the new differences and publish again."},
	"ready":                        {"就绪", "Ready"},
	"yes":                          {"是", "yes"},
	"no":                           {"否", "no"},
	"read_model":                   {"读模型", "Read model"},
	"stall":                        {"停滞原因", "Stalled at"},
	"withdrawn":                    {"已撤回。", "Withdrawn."},
	"withdraw_reason":              {"撤回理由（可不填）", "Reason (optional)"},
	"withdraw_confirm":             {"确认撤回", "Withdraw it"},
	"aftercare":                    {"会后事项", "After approval"},
	"change_request":               {"变更申请", "Change request"},
	"change_description":           {"变更说明", "Why the change"},
	"change_attachment":            {"附件（可选）", "Attachment (optional)"},
	"upload_change_material":       {"PDF、JPEG或PNG，不超过20 MiB", "PDF, JPEG or PNG, at most 20 MiB"},
	"change_request_by":            {"最晚申请日期", "Ask by"},
	"change_values":                {"变更内容", "The changes"},
	"change_submit":                {"提交变更申请", "Ask for the change"},
	"chg_none":                     {"尚未申请变更", "No change asked for"},
	"chg_requested":                {"待审核", "Waiting for the school"},
	"chg_approved":                 {"变更通过", "Approved"},
	"chg_rejected":                 {"变更驳回", "Rejected"},
	"field":                        {"字段", "Field"},
	"before":                       {"变更前", "Before"},
	"after":                        {"变更后", "After"},
	"reason":                       {"理由", "Reason"},
	"summary":                      {"会议总结", "Summary"},
	"sum_not_open":                 {"尚未开启", "Not opened yet"},
	"sum_draft":                    {"草稿", "Draft"},
	"sum_submitted":                {"已提交", "Submitted"},
	"sum_accepted":                 {"审核通过", "Accepted"},
	"sum_returned":                 {"退回修改", "Returned"},
	"sum_opens_on":                 {"开放日期", "Opens on"},
	"sum_academic":                 {"学术总结", "Academic summary"},
	"sum_papers_domestic":          {"国内论文数", "Domestic papers"},
	"sum_papers_foreign":           {"国外论文数", "Foreign papers"},
	"sum_proceedings":              {"论文集出版情况", "Proceedings"},
	"sum_proceedings_file":         {"论文集文件（PDF）", "Proceedings file (PDF)"},
	"upload_proceedings":           {"PDF，不超过50 MiB", "PDF, at most 50 MiB"},
	"sum_domestic_note":            {"国内名单为空的说明", "Why the domestic list is empty"},
	"sum_foreign_note":             {"国外名单为空的说明", "Why the foreign list is empty"},
	"sum_attendance":               {"实际参会人数（按地区、国家）", "Actual attendance by region and country"},
	"sum_region":                   {"地区", "Region"},
	"sum_country":                  {"国家", "Country"},
	"sum_photos":                   {"会议照片", "Photos"},
	"sum_photo":                    {"照片（JPEG）", "Photo (JPEG)"},
	"upload_summary_photo":         {"JPEG，不超过10 MiB", "JPEG, at most 10 MiB"},
	"sum_caption":                  {"说明", "Caption"},
	"sum_domestic":                 {"到会国内代表名单", "Domestic attendees"},
	"sum_foreign":                  {"到会国外代表名单", "Foreign attendees"},
	"sum_submit":                   {"提交总结", "Hand the summary in"},
	"sum_accept":                   {"审核通过", "Accept"},
	"sum_return":                   {"退回修改", "Return"},
	"profile":                      {"个人信息", "Profile"},
	"profile_hint":                 {"表单已填入当前个人信息；保存时替换全部个人信息（教职工须填写手机）。", "The form shows your profile as it stands; saving replaces all of it (applicants need a mobile)."},
	"mail_language":                {"邮件语言", "Mail language"},
	"mail_language_zh":             {"中文", "Chinese"},
	"mail_language_en":             {"英文", "English"},
	"mail_language_none":           {"中英双语（尚未选择）", "Chinese and English (none chosen)"},
	"mail_language_hint":           {"页面顶部的语言切换同时设定邮件语言。", "The language toggle at the top of the page sets it as well."},
	"office_phone":                 {"办公电话", "Office phone"},
	"inbox_sum_write":              {"待写会议总结", "Summaries to write"},
	"inbox_sum_review":             {"总结待审核", "Summaries waiting for review"},
	"inbox_chg_review":             {"变更申请待审核", "Change requests waiting for review"},
	"integer":                      {"请输入整数", "Enter a whole number"},
	"f_nationality":                {"国籍", "Nationality"},
	"f_institution":                {"工作单位", "Institution"},
	"f_person_title":               {"职务职称", "Title or position"},
	"f_local_approval":             {"当地外办批复（外地举办时）", "Local approval (held in another city)"},
	"f_org_row":                    {"单位", "Organisations"},
	"f_org_foreign":                {"境外单位", "Foreign organisation"},
	"f_org_website":                {"网站", "Website"},
	"f_org_website_checked":        {"已核查其网站无“两个中国”等内容", "Its website was checked for “two Chinas” content"},
	"f_org_background":             {"境外单位背景材料", "Foreign organisation's background"},
	"f_budget_row":                 {"经费条目", "Budget lines"},
	"f_budget_source":              {"经费来源", "Source"},
	"src_self_raised":              {"自筹", "Self-raised"},
	"src_sponsorship":              {"赞助费", "Sponsorship"},
	"src_registration_fees":        {"与会人员注册费", "Registration fees"},
	"src_ministry_grant":           {"部委或机构资助", "Ministry or agency grant"},
	"src_other":                    {"其他（须说明）", "Other (explain)"},
	"f_budget_amount":              {"金额（元）", "Amount (yuan)"},
	"f_budget_explanation":         {"说明", "Explanation"},
	"f_overseas_ngo":               {"境外非政府组织在境内开展临时活动", "An overseas NGO's temporary activity"},
	"f_theme":                      {"会议主题", "Theme"},
	"f_topics":                     {"会议议题", "Topics"},
	"one_per_line":                 {"每行一个", "One a line"},
	"f_taiwan_statement":           {"涉台问题说明", "Taiwan statement"},
	"f_background":                 {"举办会议的背景和意义", "Background and significance"},
	"f_editions":                   {"往届会议", "Previous editions"},
	"f_edition_date":               {"日期", "Date"},
	"f_edition_place":              {"地点", "Place"},
	"f_edition_host":               {"主办单位", "Host"},
	"f_edition_attendees":          {"会议规模（人）", "Attendees"},
	"f_edition_foreign":            {"外宾人数", "Foreign attendees"},
	"f_chairs":                     {"会议主席", "Chairs"},
	"f_vice_chairs":                {"会议副主席", "Vice-chairs"},
	"f_people_foreign":             {"国外参会代表", "Foreign delegates"},
	"f_people_mainland":            {"国内大陆参会代表", "Mainland delegates"},
	"f_people_hmt":                 {"港澳台参会代表", "Hong Kong, Macao and Taiwan delegates"},
	"f_agenda_row":                 {"日程", "Agenda items"},
	"f_agenda_date":                {"日期", "Date"},
	"f_agenda_time":                {"时间（如 09:00-10:30）", "Time (e.g. 09:00-10:30)"},
	"f_agenda_participants":        {"参加人员", "Participants"},
	"f_agenda_content":             {"内容", "Content"},
	"f_contact_row":                {"联系人", "Contacts"},
	"f_contact_kind":               {"类别", "Kind"},
	"contact_conference":           {"会议联系人", "Conference contact"},
	"contact_international_office": {"国际处联系人", "International office contact"},
	"f_phone":                      {"电话", "Phone"},
	"upload_location_approval":     {"PDF、JPEG或PNG，不超过20 MiB；类型按内容判断", "PDF, JPEG or PNG, at most 20 MiB; the type is judged by content"},
	"upload_foreign_cohost":        {"PDF、JPEG或PNG，不超过20 MiB；类型按内容判断", "PDF, JPEG or PNG, at most 20 MiB; the type is judged by content"},
	"upload_failed":                {"文件读取失败，请重新选择", "The file could not be read: choose it again"},
	"row_n":                        {"第%d行", "row %d"},
	"people_import":                {"从表格导入主要人员", "Import the key people from a spreadsheet"},
	"people_template":              {"下载表格模板（xlsx）", "Download the template (xlsx)"},
	"people_sheet":                 {"填好的表格（xlsx，替换全部主要人员）", "The filled spreadsheet (xlsx; replaces every key person)"},
	"import":                       {"导入", "Import"},
	"choose_file":                  {"请选择文件", "Choose a file"},
	"cell":                         {"单元格 %s", "Cell %s"},
	"submit_by":                    {"申报截止", "Submit by"},
	"category":                     {"核定规模", "Computed scale"},
	"file_by":                      {"学校报批截止", "The school files by"},
	"ngo_file_by":                  {"境外NGO备案截止", "Overseas NGO filing by"},
}

// addMsgs adds a page set's own texts (kept in its own file) to msgs; a
// key given twice is a mistake caught at start.
func addMsgs(m map[string][2]string) bool {
	for k, t := range m {
		if _, dup := msgs[k]; dup {
			panic("web: message " + k + " defined twice")
		}
		msgs[k] = t
	}
	return true
}

// text is the message key in lang; a missing key shows itself, which
// the tests catch.
func text(lang, key string) string {
	m, ok := msgs[key]
	if !ok {
		return key
	}
	if lang == en {
		return m[1]
	}
	return m[0]
}
