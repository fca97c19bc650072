"""The ``gazette`` command: thin click functions that load the config, run a pipeline and
turn diagnostics into messages and exit codes (0 clean, 1 errors, 2 usage/config errors).

click is used for its well-tested argument parsing, help pages and exit-code conventions.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import quick
from .diagnostics import Diagnostics, GazetteError

CONFIG_OPTION = click.option(
    "-c", "--config", "config_path", type=click.Path(path_type=Path), default="config.yaml",
    show_default=True, help="配置文件 config.yaml 的路径")
ENCODING_OPTION = click.option(
    "--encoding", default=None, help="按指定编码读取稿件（如 gb18030），默认 UTF-8")


def certificate_options(*, required: bool):
    """--cert and --chain, for ``sign`` (required) and ``build --sign`` (with --sign only)."""
    lead = "" if required else "--sign 的"

    def apply(command):
        command = click.option("--chain", "chain", multiple=True, type=click.Path(path_type=Path),
                               help=f"{lead}中间证书，可重复")(command)
        return click.option("--cert", "cert", required=required, default=None,
                            type=click.Path(path_type=Path),
                            help=f"{lead}签名证书（PEM/DER）")(command)
    return apply


def _print_diagnostics(diags: Diagnostics) -> None:
    for diagnostic in diags:
        click.echo(diagnostic.format(), err=True)


def _load(config_path: Path):
    """The project's config.yaml, validated; exit 2 with every problem listed if it is not."""
    from .config import ConfigError, load_project

    try:
        return load_project(config_path)
    except ConfigError as exc:
        _print_diagnostics(exc.diagnostics)
    except GazetteError as exc:
        click.echo(exc.diagnostic.format(), err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gazette")
def main() -> None:
    """政府公报排版工具：由 Markdown 稿件生成印刷版 PDF 和网页版。"""


@main.command()
@click.argument("issue", required=False)
@click.option("--all", "all_issues", is_flag=True, help="生成每种公报的每一期（并行）")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="--all 时并行的进程数，默认为 CPU 核数")
@click.option("--scheduler", default=None,
              help="--all 时把各期交给这个 Dask 调度器（如 tcp://10.0.0.5:8786）上的工作进程")
@click.option("--force", is_flag=True, help="--all 时输入未变的期也重新生成")
@click.option("--sign", "sign_key", default=None, type=click.Path(path_type=Path),
              help="生成后用这个私钥给 PDF 的副本加电子签名（同 gazette sign），需同时给出 --cert")
@certificate_options(required=False)
@CONFIG_OPTION
@ENCODING_OPTION
def build(issue: str | None, all_issues: bool, jobs: int | None, scheduler: str | None,
          force: bool, sign_key: Path | None, cert: Path | None, chain: tuple[Path, ...],
          config_path: Path, encoding: str | None) -> None:
    """生成一期公报：build/<期>/（多种公报时 build/<公报>/<期>/）中的 PDF 和网页版。

    ISSUE 写作 2020-07；一个项目有多种公报时写作 yinchuan/2020-07。
    """
    from .build import Portal, build_issue
    from .content import resolve_issue

    if issue and all_issues:
        raise click.UsageError("不能同时指定期次和 --all")
    if (jobs or scheduler or force) and not all_issues:
        raise click.UsageError("--jobs、--scheduler、--force 只用于 --all")
    if jobs and scheduler:
        raise click.UsageError("用 --scheduler 时进程数由 Dask 集群决定，不能同时指定 --jobs")
    project = _load(config_path)
    signer = _signer_for(sign_key, cert, chain)
    if all_issues:
        _build_all(project, config_path, encoding, jobs, scheduler, force, signer)
        return
    try:
        targets = [resolve_issue(project, issue)]
    except GazetteError as exc:
        click.echo(exc.diagnostic.format(), err=True)
        sys.exit(2)
    failed = 0
    portal = Portal(project) if project.multi else None
    for config, path in targets:
        diags = Diagnostics()
        try:
            result = build_issue(config, path.name, diags, encoding=encoding, portal=portal)
        except GazetteError as exc:
            diags.add(exc.diagnostic)
            result = None
        if result is None:
            _print_diagnostics(diags)
            failed += 1
            click.echo(f"{config.issue_address(path.name)} 生成失败：{len(diags.errors)} 个错误，"
                       "未写入任何文件（上次生成的结果保持不变）。", err=True)
            continue
        for err, line in _built_lines(config, result, diags):
            click.echo(line, err=err)
        if signer is not None:
            _sign_built([result.pdf_path], config.build_dir, signer)
        elif quick.requested():
            # What the same command will print while nothing changes (gazette.quick).
            quick.remember(config.build_dir, _built_lines(config, result, diags, reused=True))
    if failed:
        sys.exit(1)


def _built_lines(config, result, diags: Diagnostics, *,
                 reused: bool = False) -> list[tuple[bool, str]]:
    """What ``build`` prints for a built issue, as (to stderr, line); ``reused``: as a rebuild
    with nothing changed prints it, the time left as :data:`gazette.quick.SECONDS`."""
    lines = [(True, diagnostic.format()) for diagnostic in diags]
    rel = result.pdf_path.relative_to(config.root)
    summary = result.summary
    if reused:
        seconds, note = quick.SECONDS, "；输入未变，沿用上次的结果"
    else:
        seconds = f"{result.seconds:.2f}"
        note = "；输入未变，沿用上次的结果" if result.issue is None else (
            "；印刷版输入未变，沿用上次的 PDF" if "print" in result.reused else "")
    lines.append((False, f"{summary.name} {summary.label}：{summary.notices} 篇，"
                         f"{summary.pages} 页，{len(diags.warnings)} 个警告；{rel}"
                         f"（{seconds} 秒{note}）"))
    if summary.parts > 1:
        lines.append((False, f"印刷版分 {summary.parts} 部分排版后合并（为节省内存；"
                             "合并结果与整期一次排版相同；page.part_pages）"))
    if summary.site is not None:
        lines.append((False, _site_line(summary.site)))
    lines += [(False, line) for line in _drift_lines(summary)]
    return lines


def _build_all(project, config_path: Path, encoding: str | None, jobs: int | None,
               scheduler: str | None, force: bool, signer=None) -> None:
    """Every issue as a task on a process pool or a Dask cluster, with a progress bar; each
    gazette's web edition as a task too, once its issues are done."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .batch import (IssueOutcome, SchedulerUnavailable, default_jobs, executor_for,
                        record_times, run_batch, site_tasks, tasks_for)

    tasks = tasks_for(project, config_path, encoding=encoding, force=force)
    if not tasks:
        click.echo("content/ 中没有任何一期。", err=True)
        sys.exit(1)
    sites = site_tasks(project, config_path, encoding=encoding)
    console = Console(stderr=True, highlight=False)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    site_lines: list[str] = []
    try:
        with executor_for(scheduler, jobs or default_jobs()) as (executor, workers), \
                Progress(*columns, console=console, transient=True) as progress:
            bar = progress.add_task(f"生成 {len(tasks)} 期", total=len(tasks) + len(sites))

            def done(outcome) -> None:
                progress.advance(bar)
                if not isinstance(outcome, IssueOutcome):
                    site_lines.extend(outcome.lines)
                    return
                progress.console.print(_outcome_line(outcome), markup=False, soft_wrap=True)
                for line in outcome.lines:
                    progress.console.print("    " + line, markup=False, soft_wrap=True)

            where = (f"Dask 集群 {scheduler}，{workers} 个工作进程" if scheduler
                     else "在本进程中依次生成" if workers == 1 else f"进程池，{workers} 个工作进程")
            console.print(f"生成 {len(tasks)} 期：{where}", markup=False)
            result = run_batch(tasks, executor, workers, done, sites)
    except SchedulerUnavailable as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    record_times(project, result.outcomes)
    built = [o for o in result.outcomes if o.status == "built"]
    skipped = sum(o.status == "skipped" for o in result.outcomes)
    summary = (f"全部 {len(tasks)} 期：生成 {len(built)} 期，输入未变跳过 {skipped} 期，"
               f"失败 {len(result.failed)} 期；用时 {result.wall:.1f} 秒（{result.workers} 个工作进程）")
    if result.speedup is not None:
        summary += f"；各项任务（各期和网页版）耗时合计 {result.busy:.1f} 秒"
        if result.workers > 1:
            summary += f"，加速 ×{result.speedup:.2f}"
    click.echo(summary)
    if built:
        peak = max(built, key=lambda o: o.peak_mb)
        click.echo(f"单期内存峰值：最高 {peak.peak_mb:.0f} MB（{peak.address}），"
                   f"中位数 {sorted(o.peak_mb for o in built)[len(built) // 2]:.0f} MB")
    for line in site_lines:
        click.echo(line, err=line.startswith(" ") or "错误[" in line)
    if signer is not None:
        from .content import resolve_issue

        pdfs = []
        for outcome in result.outcomes:
            if outcome.status != "failed":
                config, path = resolve_issue(project, outcome.address)
                pdfs.append(config.output_dir / path.name / f"{path.name}.pdf")
        _sign_built(pdfs, project.build_dir, signer)
    if result.failed or any(s.failed for s in result.sites):
        sys.exit(1)


def _echo_signed(out: Path, build_dir: Path) -> None:
    import os

    shown = out.relative_to(Path(os.path.abspath(build_dir)).parent)
    click.echo(f"已签名：{shown}（{out.stat().st_size:,} 字节）")


def _signer_for(sign_key: Path | None, cert: Path | None, chain: tuple[Path, ...]):
    """The signer for ``build --sign``, loaded before anything is built: a missing or wrong
    key, certificate or passphrase stops the build with exit 2 and nothing written."""
    from .sign import load_signer, passphrase_from_environment

    if sign_key is None:
        if cert or chain:
            raise click.UsageError("--cert、--chain 只与 --sign 一起使用")
        return None
    if cert is None:
        raise click.UsageError("--sign 需要同时用 --cert 给出签名证书")
    try:
        return load_signer(sign_key, cert, chain=chain, passphrase=passphrase_from_environment())
    except GazetteError as exc:
        click.echo(exc.diagnostic.format(), err=True)
        click.echo("未生成、未签名：请先解决签名私钥或证书的问题。", err=True)
        sys.exit(2)


def _sign_built(pdfs: list[Path], build_dir: Path, signer) -> None:
    """Sign a copy of each freshly built PDF exactly as ``gazette sign`` does."""
    from .output import describe_os_error
    from .sign import write_signed_copy

    for pdf in pdfs:
        try:
            _echo_signed(write_signed_copy(build_dir, pdf, signer), build_dir)
        except OSError as exc:
            click.echo(f"build/signed: 错误[sign.write]: 签名副本未能写入："
                       f"{describe_os_error(exc)}", err=True)
            sys.exit(1)


def _outcome_line(outcome) -> str:
    if outcome.status == "skipped":
        return f"= {outcome.address}：输入未变，跳过"
    if outcome.status == "failed":
        return f"✗ {outcome.address}：生成失败，未写入任何文件（上次生成的结果保持不变）"
    return (f"✓ {outcome.address}：{outcome.pages} 页，{outcome.seconds:.1f} 秒，"
            f"内存峰值 {outcome.peak_mb:.0f} MB")


def _drift_lines(summary) -> list[str]:
    """Which notices do not start on their printed page (only when notices record one)."""
    if not summary.recorded:
        return []
    lines = []
    if summary.fitted:
        lines.append("为对齐印刷版页码所作的调整：")
        lines += [f"  {line}" for line in summary.fitted]
    if not summary.drifts:
        return [*lines, f"印刷版页码：{summary.recorded} 篇注明了印刷版起始页，全部一致"]
    lines.append(f"印刷版页码：{summary.recorded} 篇注明了印刷版起始页，{len(summary.drifts)} 篇不一致：")
    return lines + [f"  {line}" for line in summary.drifts]


def _site_line(site) -> str:
    """One line about the HTML edition: where it is, and what a notice page costs a reader."""

    def kb(size: int) -> str:
        return f"{size / 1024:.0f} KB"

    costs = site.notice_costs
    cost = f"公文页面读到底 {kb(costs[0])}–{kb(costs[-1])}（含字体；打开时只下载前几屏所需），" if costs else ""
    return f"网页版：{site.folder}/，{site.pages} 个页面；{cost}搜索索引 {kb(site.index_bytes)}"


@main.command()
@click.argument("issue", required=False)
@click.option("--all", "all_issues", is_flag=True, help="检查 content/ 中的每一期")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="输出格式；json 供 CI 等程序读取")
@click.option("--strict", is_flag=True, help="有警告也按失败处理（退出码 1）")
@click.option("--fix", is_flag=True, help="自动修正标点宽度、发文字号括号、汉字间空格（先显示差异）")
@CONFIG_OPTION
@ENCODING_OPTION
def check(issue: str | None, all_issues: bool, output_format: str, strict: bool, fix: bool,
          config_path: Path, encoding: str | None) -> None:
    """检查一期稿件（默认最新一期）并报告所有问题，不生成文件。

    退出码：0 没有错误，1 有错误（--strict 时警告也算），2 用法或配置错误。
    """
    from .check import run_check

    if issue and all_issues:
        raise click.UsageError("不能同时指定期次和 --all")
    sys.exit(run_check(config_path, issue, all_issues=all_issues, output_format=output_format,
                       strict=strict, fix=fix, encoding=encoding, echo=click.echo))


@main.command(name="import")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--gazette", "gazette_id", default=None,
              help="公报（content/ 下的文件夹名）；默认取自来源文件名，如 yinchuan-2020-07.txt → yinchuan")
@click.option("--issue", "issue_key", default=None, help="期次文件夹名；默认取自来源中的年份和期号，如 2020-07")
@CONFIG_OPTION
def import_(source: Path, gazette_id: str | None, issue_key: str | None,
            config_path: Path) -> None:
    """把印刷版公报（带文字层的 PDF 或提取出的文字）导入为稿件初稿：content/<公报>/<期>/。

    同时写出 import-report.md：每篇找到了什么、把握多大、哪里是猜的、未能归位的文字，以及
    gazette check 的结果。已经存在的文件夹不会被覆盖。
    """
    from .importer import run_import

    root = config_path.resolve().parent
    try:
        result = run_import(source, root, gazette_id, issue_key)
    except GazetteError as exc:
        click.echo(exc.diagnostic.format(), err=True)
        sys.exit(2)
    rel = result.folder.relative_to(root)
    click.echo(f"已导入 {len(result.files)} 篇公文到 {rel}/；"
               f"请对照 {rel}/{result.report.name} 校对（gazette check：{len(result.diagnostics)} 条）")


@main.command()
@click.argument("issue", required=False)
@CONFIG_OPTION
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听地址；只有要让局域网中的其他电脑访问时才改为 0.0.0.0")
@click.option("--port", default=8000, show_default=True, type=int,
              help="端口；0 表示自动选一个空闲端口")
def serve(issue: str | None, config_path: Path, host: str, port: int) -> None:
    """预览网页版（默认最新一期）：保存稿件、版式或配置后自动重新生成并刷新浏览器。

    不生成 PDF；需要时点页面右下角的“生成印刷版 PDF”。按 Ctrl+C 停止。
    """
    import signal
    import threading
    import time

    from .serve import PreviewServer

    _load(config_path)

    def log(message: str) -> None:
        click.echo(f"{time.strftime('%H:%M:%S')} {message}", err=True)

    try:
        server = PreviewServer(config_path, issue, host=host, port=port, log=log)
    except GazetteError as exc:
        click.echo(exc.diagnostic.format(), err=True)
        sys.exit(2)
    except OSError as exc:
        click.echo(f"无法在 {host}:{port} 上启动预览：{exc.strerror or exc}；"
                   f"可以用 --port 换一个端口", err=True)
        sys.exit(2)
    click.echo(f"预览：{server.url}{server.preview.start_path()}（按 Ctrl+C 停止）")
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"注意：预览对 {host} 开放，局域网中的其他电脑也能访问。", err=True)
    # Ctrl+C and SIGTERM (a service manager, a closed terminal) stop the same way: server,
    # watcher and PDF worker, with one line and no traceback.
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        while not stop.wait(3600):
            pass
    finally:
        server.close()
    click.echo("预览已停止。", err=True)


@main.group()
def new() -> None:
    """新建下一期或一篇稿件（不会覆盖已有文件）。"""


@new.command("issue")
@click.argument("issue")
@CONFIG_OPTION
def new_issue_command(issue: str, config_path: Path) -> None:
    """新建一期：ISSUE 写作 yinchuan/2020-08（只有一种公报时可写 2020-08）。

    issue.yaml 由上一期推算：期号、总期号加 1，沿用编辑委员会和本期版权页项目；出版日期留待填写。
    """
    from .new import new_issue

    project = _load(config_path)
    try:
        folder = new_issue(project, issue)
    except GazetteError as exc:
        click.echo(exc.diagnostic.format(), err=True)
        sys.exit(1)
    click.echo(f"已新建 {folder.relative_to(project.root)}/issue.yaml：请填写出版日期（published）并核对期号。")


@new.command("notice")
@click.argument("issue")
@click.argument("name")
@CONFIG_OPTION
def new_notice_command(issue: str, name: str, config_path: Path) -> None:
    """在一期中新建一篇稿件 NAME.md，前言各字段都带中文说明。"""
    from .new import new_notice

    project = _load(config_path)
    try:
        path = new_notice(project, issue, name)
    except GazetteError as exc:
        click.echo(exc.diagnostic.format(), err=True)
        sys.exit(1)
    click.echo(f"已新建 {path.relative_to(project.root)}：填写前言和正文后运行 gazette check。")


@main.command()
@click.argument("pdf", type=click.Path(path_type=Path))
@CONFIG_OPTION
@click.option("--trust", "trust", multiple=True, type=click.Path(path_type=Path),
              help="信任的根证书（PEM/DER），用于检查签名者；可重复")
def verify(pdf: Path, config_path: Path, trust: tuple[Path, ...]) -> None:
    """验证印刷版 PDF：用它携带的稿件重新生成，检查是否逐字节相同，并检查签名。

    退出码：0 验证通过，1 验证失败，2 文件或配置有误。
    """
    from .verify import verify_pdf

    config = _load(config_path).gazettes[0]  # fonts/ and build/ are the project's
    for path, what in ((pdf, "PDF 文件"), *((t, "根证书") for t in trust)):
        if not path.is_file():
            click.echo(f"{path}: 错误[verify.missing]: 找不到{what}", err=True)
            sys.exit(2)
    report = verify_pdf(pdf, config, trust)
    for line in report.lines:
        click.echo(line)
    if report.ok:
        click.echo(f"验证通过：{pdf} 可由其携带的稿件逐字节重新生成。")
    else:
        click.echo(f"验证失败：{pdf}（{len(report.failures)} 个问题）", err=True)
        sys.exit(1)


@main.command()
@click.argument("pdf", type=click.Path(path_type=Path))
@click.option("--key", "key", required=True, type=click.Path(path_type=Path),
              help="签名私钥（PEM/DER；加密的私钥口令放在环境变量 GAZETTE_SIGN_PASSPHRASE）")
@certificate_options(required=True)
@click.option("--reason", default=None, help="签名原因，如“与印刷版一致”")
@CONFIG_OPTION
def sign(pdf: Path, key: Path, cert: Path, chain: tuple[Path, ...], reason: str | None,
         config_path: Path) -> None:
    """给印刷版 PDF 加 PAdES 电子签名，另存为 build/signed/…/<名称>.signed.pdf（原文件不变）。"""
    from .sign import load_signer, passphrase_from_environment, write_signed_copy

    config = _load(config_path).gazettes[0]  # build/ is the project's
    if not pdf.is_file():
        click.echo(f"{pdf}: 错误[sign.missing]: 找不到 PDF 文件", err=True)
        sys.exit(2)
    try:
        signer = load_signer(key, cert, chain=chain, passphrase=passphrase_from_environment())
    except GazetteError as exc:
        click.echo(exc.diagnostic.format(), err=True)
        sys.exit(1)
    _echo_signed(write_signed_copy(config.build_dir, pdf, signer, reason), config.build_dir)


@main.command()
@click.argument("citation")
@CONFIG_OPTION
def cite(citation: str, config_path: Path) -> None:
    """查找引用标识（如 yinchuan/2020/7/银政发〔2020〕71号）对应的网页和印刷版页码。

    在已生成的网页版 build/site/ 中查找。退出码：0 找到，1 找不到。
    """
    from .cite import resolve
    from .render_html import site_dir

    project = _load(config_path)
    config = project.gazette(citation.split("/", 1)[0]) or project.gazettes[0]
    found = resolve(config, citation, site_dir(config))
    if found is None:
        click.echo(f"找不到引用标识“{citation}”：已生成的网页版中没有这篇公文"
                   f"（格式：刊物/年份/期号/发文字号，先运行 gazette build）", err=True)
        sys.exit(1)
    click.echo(f"{found.citation}：{found.title}")
    click.echo(f"网页版：{found.url or (site_dir(config).relative_to(config.root).as_posix() + '/' + found.web_path)}")
    if found.printed:
        click.echo(f"印刷版：{found.printed}")
