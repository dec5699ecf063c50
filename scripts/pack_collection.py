"""Pack an installed collection (a folder with MANIFEST.json and FILES.json, as scripts/setup.sh
extracts kubernetes.core and ansible.posix from the `ansible` wheel) into a tarball that
`ansible-galaxy collection install --offline` accepts.

The wheel leaves out some files that FILES.json lists (.github/, tests/, ...), and
ansible-galaxy refuses a tarball missing a listed file, so FILES.json is rewritten to the files
present and MANIFEST.json gets its new checksum. Each kept file's checksum is verified first.

    python scripts/pack_collection.py SRC_DIR OUT.tar.gz
"""
import hashlib
import io
import json
import os
import sys
import tarfile


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _add_bytes(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def pack(src, out):
    with open(os.path.join(src, "MANIFEST.json")) as fh:
        manifest = json.load(fh)
    with open(os.path.join(src, "FILES.json")) as fh:
        files = json.load(fh)
    kept = []
    for entry in files["files"]:
        path = os.path.join(src, entry["name"])
        if entry["name"] == ".":
            kept.append(entry)
        elif entry["ftype"] == "dir" and os.path.isdir(path):
            kept.append(entry)
        elif entry["ftype"] == "file" and os.path.isfile(path):
            with open(path, "rb") as fh:
                if _sha256(fh.read()) != entry["chksum_sha256"]:
                    raise SystemExit("pack_collection: %s differs from its FILES.json checksum" % path)
            kept.append(entry)
    files_json = json.dumps(dict(files, files=kept), indent=4).encode("utf-8")
    manifest["file_manifest_file"]["chksum_sha256"] = _sha256(files_json)
    with tarfile.open(out, "w:gz") as tar:
        _add_bytes(tar, "MANIFEST.json", json.dumps(manifest, indent=4).encode("utf-8"))
        _add_bytes(tar, "FILES.json", files_json)
        for entry in kept:
            if entry["name"] != ".":
                tar.add(os.path.join(src, entry["name"]), arcname=entry["name"], recursive=False)
    return len(kept)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    pack(sys.argv[1], sys.argv[2])
