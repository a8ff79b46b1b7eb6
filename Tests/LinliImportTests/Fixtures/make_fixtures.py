#!/usr/bin/env python3
"""Regenerates the import test fixtures (run once; the outputs are committed).

Needs openpyxl (pip install openpyxl) and iconv. Run from this folder: python3 make_fixtures.py
"""
import datetime
import subprocess

import openpyxl

VOLUNTEERS = (
    "编号,姓名,手机号,性别,出生年份,网格,分组,技能,证书,证书到期\r\n"
    "V001,王芳,13812345678,女,1965,幸福里一网格,党员、巾帼,\"助餐,陪聊\",护理员证,2026-06-30\r\n"
    "V002,张  建国,139 1234 5678,男,1958年,幸福里二网格,老党员,\"急救\r\n护理\",急救员证,2025/12/31\r\n"
    "V003,李娜,+86 150-1234-5678,F,１９９０,,青年;学生,,,\r\n"
    "V004,\"Zhang \"\"Tom\"\" Wei\",１５８１２３４５６７８,male,1988-04-01,幸福里1号楼,Youth / Resident,电脑维修,,2027年3月\r\n"
    "\r\n"
)

with open("volunteers_utf8.csv", "w", encoding="utf-8", newline="") as f:
    f.write(VOLUNTEERS)
with open("volunteers_utf8_bom.csv", "w", encoding="utf-8-sig", newline="") as f:
    f.write(VOLUNTEERS.replace("\r\n", "\n"))
# GB18030 through iconv, as WPS / Excel on Chinese Windows write it.
with open("volunteers_gb18030.csv", "wb") as f:
    f.write(subprocess.run(["iconv", "-f", "UTF-8", "-t", "GB18030"],
                           input=VOLUNTEERS.encode("utf-8"), capture_output=True, check=True).stdout)

BAD = (
    "姓名,手机,性别,出生年,分组,证书到期,编号,爱好\n"
    "王芳,13812345678,女,1965,党员,2026-06-30,A1,读书\n"          # row 2 ok
    "张建国,1381234,男,1958,青年,,A2,\n"                           # row 3 bad phone
    ",13900000001,男,1960,,,A3,\n"                                  # row 4 empty name
    "李娜,13900000002,未知,1890,巾帼,2025-02-30,A4,\n"              # row 5 sex, year, date
    "赵六,13812345678,男,1970,,,A5,\n"                              # row 6 duplicate phone
    "钱七,1.38123E+10,女,1980,,,A6,\n"                              # row 7 scientific notation
    "\n"                                                            # row 8 blank
    "孙八,13700000003,男,1975,队长,,A7,\n"                          # row 9 unknown group
    "周九,13700000004,男,2030,,,A1,\n"                              # row 10 year + duplicate ID
)
with open("volunteers_bad.csv", "w", encoding="utf-8", newline="") as f:
    f.write(BAD)

RESIDENTS_SEMICOLON = (
    "姓名;地址;电话;独居;需要电话提醒;护理需求\n"
    "刘桂英;幸福里1号楼2单元301;010-62345678;是;是;助餐、助浴\n"
    "陈秀兰;幸福里3号楼101;;否;N;\"陪聊;探访\"\n"
)
with open("residents_semicolon_gb18030.csv", "wb") as f:
    f.write(RESIDENTS_SEMICOLON.encode("gb18030"))

wb = openpyxl.Workbook()
ws = wb.active
ws.title = "居民"
ws.append(["幸福里社区独居老人名单（2025年）"])  # title row above the header
ws.merge_cells("A1:M1")
ws.append(["编号", "姓名", "性别", "出生日期", "地址", "网格", "电话", "家属联系人", "家属电话",
           "需要电话提醒", "独居", "护理需求", "备注"])
ws.append(["R001", "刘桂英", "女", datetime.date(1938, 5, 12), "幸福里1号楼2单元301", "一网格",
           13812345678, "王强（儿子）", 13987654321, "是", True, "助餐、助浴", "右腿不便，需两人助浴"])
ws.append(["R002", "陈秀兰", "女", datetime.date(1942, 11, 3), "幸福里3号楼101", "二网格",
           None, None, None, "Y", "否", "陪聊", None])  # empty cells in the middle
ws.append([])  # blank row 5
ws.append([1003, "赵德明", "男", 1945, "幸福里5号楼402", None, "010-62345678", None, None,
           0, 1, None, "独居，耳背，请大声"])  # numeric ID, plain-number year, landline
for row in ws.iter_rows(min_row=3, max_row=6, min_col=4, max_col=4):
    for cell in row:
        if isinstance(cell.value, datetime.date):
            cell.number_format = "yyyy/m/d"
other = wb.create_sheet("说明")
other.append(["这是第二个工作表，导入时应忽略"])
wb.save("residents.xlsx")

wb = openpyxl.Workbook()
ws = wb.active
ws.append(["姓名", "手机号", "证书到期", "出生年份"])
ws.append(["王芳", 13812345678, datetime.date(2026, 6, 30), 1965])
ws.append(["张建国", 13912345678.0, 46203, 1958])  # float phone, expiry as a plain serial (General format)
wb.save("volunteers.xlsx")
