"""What a formal request's 別紙 prints, read back from each output (for the appendix tests)."""

from __future__ import annotations

import io
import zipfile

from pypdf import PdfReader


def appendix_outputs(client, request_id: int) -> dict[str, str]:
    """The 別紙 as the print page, the PDF and the Word file give it."""
    printed = client.get(f"/formal/{request_id}/print?appendix=1").get_data(as_text=True)
    pdf = client.get(f"/formal/{request_id}/pdf?appendix=1").data
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    with zipfile.ZipFile(io.BytesIO(client.get(f"/formal/{request_id}/docx?appendix=1").data)) as z:
        docx = z.read("word/document.xml").decode()
    return {"print": printed, "pdf": pdf_text.replace("\n", ""), "docx": docx}
