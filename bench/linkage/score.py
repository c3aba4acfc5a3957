#!/usr/bin/env python3
"""Precision, recall and F1 of a LINKS.csv (a_rec_id,b_rec_id,score) against the
truth.csv written by the PPRL baseline's gen.py (b_rec_id,a_rec_id,corruptions).

Usage: score.py LINKS.csv truth.csv [--json]
Also checks the 1:1 contract (every record in at most one link) and prints recall per
corruption type, so a regression on one blind spot is visible.
"""
import csv
import json
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    links_path, truth_path = sys.argv[1], sys.argv[2]
    with open(links_path, newline='', encoding='utf-8') as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != ['a_rec_id', 'b_rec_id', 'score']:
            sys.exit(f'{links_path}: unexpected header {reader.fieldnames}')
        links = [(r['a_rec_id'], r['b_rec_id']) for r in reader]
    a_ids = [a for a, _ in links]
    b_ids = [b for _, b in links]
    one_to_one = len(set(a_ids)) == len(a_ids) and len(set(b_ids)) == len(b_ids)
    truth, kinds = set(), {}
    with open(truth_path, newline='', encoding='utf-8') as fh:
        for r in csv.DictReader(fh):
            pair = (r['a_rec_id'], r['b_rec_id'])
            truth.add(pair)
            kinds[pair] = r['corruptions'].split(';') if r['corruptions'] else ['none']
    found = set(links)
    tp = len(found & truth)
    p = tp / len(found) if found else 1.0
    rc = tp / len(truth) if truth else 1.0
    f1 = 2 * p * rc / (p + rc) if p + rc else 0.0
    by = {}
    for pair, ks in kinds.items():
        for k in ks:
            n, hit = by.get(k, (0, 0))
            by[k] = (n + 1, hit + (pair in found))
    res = {'links': len(found), 'true_pairs': len(truth), 'tp': tp, 'fp': len(found) - tp,
           'precision': p, 'recall': rc, 'f1': f1, 'one_to_one': one_to_one,
           'recall_by_corruption': {k: round(h / n, 4) for k, (n, h) in sorted(by.items())}}
    if '--json' in sys.argv:
        print(json.dumps(res))
    else:
        print(f"links={res['links']} P={p:.4f} R={rc:.4f} F1={f1:.4f} one_to_one={one_to_one}")
        print(' '.join(f'{k}={v}' for k, v in res['recall_by_corruption'].items()))
    if not one_to_one:
        sys.exit(1)


if __name__ == '__main__':
    main()
