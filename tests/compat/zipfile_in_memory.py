# zipfile in a BytesIO: no file system involved.
import io
import zipfile


def main():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_LZMA) as archive:
        for index in range(10):
            archive.writestr(f"part{index}.txt", str(index) * 1000)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        sizes = [info.file_size for info in archive.infolist()]
    return {"sizes": sizes}
