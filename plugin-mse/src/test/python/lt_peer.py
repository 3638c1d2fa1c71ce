#!/usr/bin/python3
"""A real libtorrent peer for the MSE interop test (run it with Debian's /usr/bin/python3 + python3-libtorrent).

Usage: lt_peer.py seed|dial LEVEL
  LEVEL: rc4 (allowed_enc_level = pe_rc4) or both (pe_both, prefer_rc4 off: as responder it selects plaintext).
  Encryption policy in and out: pe_forced (MSE only). 127.0.0.1 only; TCP only (no uTP: dialling
  would try uTP first and wait for its timeout); no DHT, LSD, UPnP, NAT-PMP.

Protocol on stdout/stdin, one line each:
  first line out: {"port": P, "info_hash": "<40 hex>", "fingerprint": "-LT2080-"}
  seed: libtorrent seeds a fresh 64 KiB v1 torrent and accepts connections on P until stdin closes.
  dial: for each input line "connect PORT", libtorrent dials 127.0.0.1:PORT for the same torrent and answers "ok".
  "quit" or end of input ends the session.
"""
import json
import os
import sys
import tempfile

import libtorrent as lt


def main():
    role, level = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="lt_peer_")
    data = os.path.join(work, "data.bin")
    with open(data, "wb") as f:
        f.write(bytes((i * 7 + 3) & 0xFF for i in range(65536)))
    fs = lt.file_storage()
    lt.add_files(fs, data)
    t = lt.create_torrent(fs, 16384, flags=lt.create_torrent.v1_only)
    lt.set_piece_hashes(t, work)
    ti = lt.torrent_info(t.generate())

    settings = {
        "listen_interfaces": "127.0.0.1:0",
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "in_enc_policy": int(lt.enc_policy.pe_forced),
        "out_enc_policy": int(lt.enc_policy.pe_forced),
        "allowed_enc_level": int(lt.enc_level.pe_rc4 if level == "rc4" else lt.enc_level.pe_both),
        "prefer_rc4": False,
        "allow_multiple_connections_per_ip": True,
        "enable_outgoing_utp": False,
        "enable_incoming_utp": False,
        "connections_limit": 2000,
        "alert_mask": 0,
    }
    ses = lt.session(settings)
    atp = lt.add_torrent_params()
    atp.ti = ti
    if role == "seed":
        atp.save_path = work
        atp.flags = (atp.flags & ~lt.torrent_flags.auto_managed & ~lt.torrent_flags.paused) | lt.torrent_flags.seed_mode
    else:
        empty = os.path.join(work, "download")
        os.makedirs(empty)
        atp.save_path = empty
        atp.flags = atp.flags & ~lt.torrent_flags.auto_managed & ~lt.torrent_flags.paused
    handle = ses.add_torrent(atp)
    print(json.dumps({"port": ses.listen_port(), "info_hash": str(ti.info_hashes().v1),
                      "fingerprint": ses.get_settings()["peer_fingerprint"]}), flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "quit":
            break
        if words[0] == "connect":
            handle.connect_peer(("127.0.0.1", int(words[1])))
            print("ok", flush=True)
    ses.pause()


if __name__ == "__main__":
    main()
