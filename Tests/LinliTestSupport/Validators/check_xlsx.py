"""Opens an XLSX workbook with openpyxl (independent of Linli's writer) and prints every
sheet's cells with their Python types, the cells marked quotePrefix, the header's boldness, column widths and the frozen
pane as JSON."""
import datetime
import json
import sys

import openpyxl

workbook = openpyxl.load_workbook(sys.argv[1])
sheets = []
for sheet in workbook.worksheets:
    rows = []
    quoted = []
    for row in sheet.iter_rows():
        cells = []
        for cell in row:
            value = cell.value
            if isinstance(value, (datetime.datetime, datetime.date)):
                value = value.isoformat()
            cells.append([type(cell.value).__name__, value])
            if cell.quotePrefix:
                quoted.append(cell.coordinate)
        rows.append(cells)
    sheets.append({
        "title": sheet.title,
        "rows": rows,
        "quoted": quoted,
        "header_bold": [bool(cell.font and cell.font.b) for cell in sheet[1]],
        "widths": {key: dimension.width for key, dimension in sheet.column_dimensions.items()},
        "freeze": sheet.freeze_panes,
    })
print(json.dumps({"sheets": sheets}, ensure_ascii=False))
