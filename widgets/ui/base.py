"""What every widget here shares: declared state, check-then-commit, bound controls, messages.

A widget's state is a spec (a frozen dataclass of declared settings, see
:mod:`widgets.core.fields`). The widget names which of the spec's settings a
reader changes (``STATE``) and which are fixed when it is made (``FIXED``); from
those declarations it gets one trait each, with the setting's check and help.

Every change goes the same way, whether it comes from code (``widget.seed = 3``,
``configure(...)``, a ``batch()``) or from a control:

1. **check**: the proposed values are checked, alone and together (a new
   spec is made), and the widget prepares everything the view needs for
   that spec: it builds the network, runs readers' layers, draws the
   pictures. If anything fails, nothing has changed: the error names the
   field (from code it is raised; from a control it is shown in the message
   line and the control shows the state again).
2. **commit**: the spec is replaced, the traits take their new values (their
   observers run), and the prepared view is shown.

The errors are both a ``traitlets.TraitError`` and a ``ValueError`` or
``TypeError``, so readers catch what they expect.
"""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, ClassVar

import ipywidgets as ipw
import traitlets

from ..core.checks import short_repr
from ..core.fields import Spec
from ..core.layers import activation_names, is_custom
from ..render import figures
from ..render.charts import card
from ..render.figures import Chart
from ..render.html import STYLE, message
from ..text import columns, join, t

if TYPE_CHECKING:  # matplotlib loads only when a figure is made
    from matplotlib.figure import Figure


class InvalidValueError(traitlets.TraitError, ValueError):
    """A value of the right kind outside what the field allows."""


class InvalidTypeError(traitlets.TraitError, TypeError):
    """A value of the wrong kind for the field."""


def as_trait_error(error: Exception) -> traitlets.TraitError:
    """The same message as an error traitlets understands (kept as Value/TypeError)."""
    if isinstance(error, traitlets.TraitError):
        return error
    kind = InvalidTypeError if isinstance(error, TypeError) else InvalidValueError
    return kind(str(error))


class Checked(traitlets.TraitType):
    """A trait whose values pass through ``check``, which returns the normalized value.

    For values that are not a widget's declared state (a widget's own options).

    Example:
        >>> class Box(traitlets.HasTraits):
        ...     width = Checked(lambda v: int(v), 1)
        >>> Box(width=3).width
        3
    """

    def __init__(self, check: Callable[[object], object], default_value: object,
                 **kwargs: object) -> None:
        self._check = check
        super().__init__(default_value, **kwargs)

    def validate(self, obj: object, value: object) -> object:
        try:
            return self._check(value)
        except (ValueError, TypeError) as error:
            raise as_trait_error(error) from None


class StateTrait(traitlets.TraitType):
    """A trait made from one declared setting of a widget's spec.

    Setting it proposes a change to the widget (checked, then committed); inside
    :meth:`LiveWidget.batch` the change waits for the end of the batch, and
    reading the trait meanwhile gives the value waiting.
    """

    def __init__(self, spec: type[Spec], name: str) -> None:
        self.spec, self.setting_name = spec, name
        default = spec.settings()[name].default
        super().__init__(default, help=spec.help(name))

    def validate(self, obj: object, value: object) -> object:
        try:
            return self.spec.check_field(self.setting_name, value)
        except (ValueError, TypeError) as error:
            raise as_trait_error(error) from None

    def get(self, obj: traitlets.HasTraits, cls: type | None = None) -> object:
        pending = obj.__dict__.get("_pending")
        if pending and self.name in pending:
            return pending[self.name]
        return super().get(obj, cls)

    def set(self, obj: traitlets.HasTraits, value: object) -> None:
        if "_state" not in obj.__dict__:  # while the widget is being made
            super().set(obj, value)
            return
        obj._propose({self.name: self._validate(obj, value)}, alone=True)

    def commit(self, obj: traitlets.HasTraits, value: object) -> None:
        """Store ``value`` (already checked) and tell the trait's observers."""
        super().set(obj, value)


class FixedTrait(traitlets.TraitType):
    """A read-only trait whose assignment says how the value changes instead.

    Traitlets refuses with a bare ``TraitError``; this one is a ``ValueError`` too.
    """

    def __init__(self, default: object, how: str, **kwargs: object) -> None:
        self.how = how
        super().__init__(default, read_only=True, **kwargs)

    def __set__(self, obj: object, value: object) -> None:
        raise InvalidValueError(t("ui.read_only", name=self.name, how=t(self.how)))


class Snapshot:
    """A still picture (SVG or HTML) with a one-line text form, kept where it is displayed.

    A live widget always shows its latest state; a snapshot displayed in a cell
    keeps the picture of one moment, so a saved notebook can show several.

    Example:
        >>> Snapshot("<svg/>", "a picture")
        a picture
    """

    def __init__(self, picture: str, text: str, kind: str = "svg") -> None:
        if kind not in ("svg", "html"):
            raise ValueError(t("ui.snapshot_kind", got=repr(kind)))
        # an SVG is shown as an image, which cannot see the theme: it brings its own card
        self.picture = card(picture) if kind == "svg" else picture
        self.text, self.kind = text, kind

    def _repr_svg_(self) -> str | None:
        return self.picture if self.kind == "svg" else None

    def _repr_html_(self) -> str | None:
        return self.picture if self.kind == "html" else None

    def __repr__(self) -> str:
        return self.text


class Binding:
    """A control bound to the state: ``write(value)`` when the reader moves it, ``read()``
    (and ``options()``, if given) shown in it after every commit."""

    def __init__(self, control: ipw.Widget, read: Callable[[], object],
                 write: Callable[[object], object],
                 options: Callable[[], object] | None = None,
                 note: Callable[[], str] | None = None) -> None:
        self.control, self.read, self.write, self.options = control, read, write, options
        self.note = note

    def show(self) -> None:
        """Make the control show the state."""
        if self.options is not None:
            options = self.options()
            if list(self.control.options) != list(options):
                self.control.options = options
        value = self.read()
        if self.control.value != value:
            self.control.value = value


class LiveWidget(ipw.VBox):
    """Base of the book's widgets: declared state, check-then-commit, one message line.

    A subclass sets ``SPEC`` (a :class:`~widgets.core.fields.Spec`), ``STATE``
    (the settings a reader changes: each becomes a trait and a name
    :meth:`configure` takes) and ``FIXED`` (settings fixed when the widget is
    made: read-only traits), and implements :meth:`_prepare` (a spec -> the
    view's content, raising if the spec cannot be shown) and :meth:`_show`
    (the content -> the views). It binds its controls with :meth:`bind` and
    names its parts with :meth:`_expose`.
    """

    SPEC: ClassVar[type[Spec]]
    STATE: ClassVar[tuple[str, ...]] = ()
    FIXED: ClassVar[tuple[str, ...]] = ()
    #: How a fixed setting changes, for the message when one is set (a text id).
    FIXED_HOW: ClassVar[str] = "ui.fixed_when_made"

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "SPEC" not in cls.__dict__:
            return
        for name in cls.STATE:
            if name not in cls.__dict__:
                trait = StateTrait(cls.SPEC, name)
                setattr(cls, name, trait)
                trait.class_init(cls, name)
        for name in cls.FIXED:
            if name not in cls.__dict__:
                trait = FixedTrait(cls.SPEC.settings()[name].default, cls.FIXED_HOW,
                                   help=cls.SPEC.help(name))
                setattr(cls, name, trait)
                trait.class_init(cls, name)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._pending: dict[str, object] = {}
        self._batch_depth = 0
        self._showing = False  # controls are being set to the state: their changes are echoes
        self._bindings: list[Binding] = []
        self._controls: dict[str, ipw.Widget] = {}
        self._views: dict[str, ipw.Widget] = {}
        #: What each view's charts were drawn from, by view (see :class:`ChartViews`).
        self._charts: dict[str, tuple[Chart, ...]] = {}
        self.render_count = 0
        self._message = ipw.HTML(STYLE)
        self._note = ipw.HTML(saved_note())
        self.add_class("ll-widget")
        self._message_text = ""
        self._message_count = 0

    def _lay_out(self, *parts: ipw.Widget) -> None:
        """Put the widget's parts in place, under the line a saved picture shows.

        Put the message line (``self._message``) under the controls a reader
        types in, so a message never moves them under the cursor.
        """
        self.children = [self._note, *parts]

    def _start(self, spec: Spec) -> None:
        """Show ``spec`` for the first time (the end of a subclass's ``__init__``)."""
        content = self._prepare_or_raise(spec)
        for name in (*self.FIXED, *self.STATE):
            self.set_trait(name, getattr(spec, name))
        self._state = spec
        self._show_content(content)

    # -- state --------------------------------------------------------------------

    @property
    def spec(self) -> Spec:
        """The current state as a validated spec."""
        return self._state

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Change several settings at once; they are checked together and drawn once at the end.

        If any value is invalid, or the code inside the batch raises, nothing changes.
        """
        self._batch_depth += 1
        before = dict(self._pending)
        try:
            yield
        except BaseException:
            self._batch_depth -= 1
            self._pending = before  # this level's changes go; an outer batch keeps its own
            raise
        self._batch_depth -= 1
        if not self._batch_depth and self._pending:
            changes, self._pending = self._pending, {}
            self._apply(changes)

    def configure(self, **state: object) -> None:
        """Set several of the widget's settings at once.

        All values are checked together and the view is drawn once; if one is
        invalid, nothing changes.
        """
        unknown = set(state) - set(self.STATE)
        if unknown:
            raise TypeError(t("ui.configure_takes", names=join(list(self.STATE)),
                              unknown=", ".join(sorted(unknown))))
        checked = {}
        for name, value in state.items():
            trait = self.traits()[name]
            checked[name] = trait._validate(self, value)
        self._propose(checked, alone=False)

    def _propose(self, changes: dict[str, object], alone: bool) -> None:
        if self._batch_depth:
            self._pending.update(changes)
        else:
            self._apply(changes, alone=alone)

    def _apply(self, changes: Mapping[str, object], alone: bool = False) -> None:
        """Check ``changes`` together, prepare the view, then commit (or change nothing)."""
        if all(_same(getattr(self._state, name), value) for name, value in changes.items()):
            return  # nothing changes: nothing to check or draw again
        try:
            spec = self._state.replace(**changes)
        except (ValueError, TypeError) as error:
            hint = ""
            if getattr(error, "count_mismatch", False) and alone and len(changes) == 1:
                names = self._counted_with(next(iter(changes)))
                hint = t("ui.change_both", names=", ".join(f"{n}=..." for n in names))
            raise as_trait_error(type(error)(f"{error}{hint}")) from None
        content = self._prepare_or_raise(spec)
        self._commit(spec, content)

    def _counted_with(self, name: str) -> tuple[str, ...]:
        """The settings that must change together with ``name`` (its layer count and it)."""
        settings = self.SPEC.settings()
        counter = settings[name].per_layer
        if counter is not None:
            return (counter, name)
        return (name, *(n for n, s in settings.items() if s.per_layer == name))

    def _prepare_or_raise(self, spec: Spec) -> object:
        """:meth:`_prepare`, with failures shown in the message line and raised."""
        try:
            return self._prepare(spec)
        except (InvalidValueError, InvalidTypeError) as error:  # already says what is wrong
            self.show_message(str(error))
            raise
        except DrawingError as error:
            cause = error.__cause__ or error
            self.show_message(t("ui.could_not_draw", error=_error_text(cause)))
            raise cause from None
        except Exception as error:  # a reader's own code failed: shown and raised
            text = self._failure_text(spec, error)
            self.show_message(text)
            raise InvalidValueError(text) from error

    def _failure_text(self, spec: Spec, error: Exception) -> str:
        """What the message line says when preparing ``spec`` raised ``error``."""
        return _error_text(error)

    @property
    def _started(self) -> bool:
        """True once the widget shows a state (a failure then keeps it)."""
        return "_state" in self.__dict__

    def _commit(self, spec: Spec, content: object) -> None:
        old, self._state = self._state, spec
        if self._message_text:  # said of an earlier state: it no longer holds
            self.show_message("")
        try:
            for name in self.STATE:
                value = getattr(spec, name)
                if not _same(getattr(old, name), value):
                    self.traits()[name].commit(self, value)  # readers' observers run here
        finally:
            self._show_content(content)

    def _show_content(self, content: object) -> None:
        self.render_count += 1
        self._show(content)
        self._show_state()

    def refresh(self) -> None:
        """Prepare and draw the view again for the same state (after the inputs changed)."""
        self._commit(self._state, self._prepare_or_raise(self._state))

    def _prepare(self, spec: Spec) -> object:  # pragma: no cover - subclasses implement
        """Everything the view needs for ``spec``; raises if ``spec`` cannot be shown."""
        raise NotImplementedError

    def _show(self, content: object) -> None:  # pragma: no cover - subclasses implement
        """Put prepared content in the views (must not fail)."""
        raise NotImplementedError

    # -- controls -----------------------------------------------------------------

    def bind(self, control: ipw.Widget, name: str | None = None, *,
             read: Callable[[], object] | None = None,
             write: Callable[[object], object] | None = None,
             options: Callable[[], object] | None = None,
             note: Callable[[], str] | None = None) -> ipw.Widget:
        """Bind ``control`` to the state, and expose it under ``name`` (or its setting).

        By default the control shows the setting ``name`` and writes it with
        :meth:`configure`; ``read``/``write`` replace either direction,
        ``options`` gives the control's current options, and ``note()`` is added
        to the message when a value is refused. Returns the control.
        """
        if read is None:
            read = lambda: getattr(self._state, name)  # noqa: E731
        if write is None:
            write = lambda value: self.configure(**{name: value})  # noqa: E731
        binding = Binding(control, read, write, options, note)
        self._bindings.append(binding)
        if name is not None:
            self._controls.setdefault(name, control)

        def on_change(change: traitlets.Bunch) -> None:
            if not self._showing:
                self._apply_from_controls(lambda: write(change.new), note)
        control.observe(on_change, names="value")
        if "_state" in self.__dict__:
            self._show_bindings([binding])
        return control

    def _show_state(self) -> None:
        """Make every control show the state."""
        self._show_bindings(self._bindings)

    def _show_bindings(self, bindings: list[Binding]) -> None:
        with self._quietly():
            for binding in bindings:
                binding.show()

    @contextlib.contextmanager
    def _quietly(self) -> Iterator[None]:
        """Change controls without their changes counting as the reader's."""
        was, self._showing = self._showing, True
        try:
            yield
        finally:
            self._showing = was

    def _expose(self, controls: Mapping[str, ipw.Widget] | None = None,
                views: Mapping[str, ipw.Widget] | None = None) -> None:
        """Name parts of the widget for readers and tests (see :attr:`controls`, :attr:`views`)."""
        self._controls.update(controls or {})
        self._views.update(views or {})

    @property
    def controls(self) -> Mapping[str, ipw.Widget]:
        """The widget's controls by name (its settings' names where they edit one).

        Moving one is what a reader does with the mouse: ``controls["seed"].value = 3``.
        """
        return MappingProxyType(self._controls)

    @property
    def views(self) -> Mapping[str, ipw.Widget]:
        """The widget's views by name (``views["plot"].value`` is the plot's SVG)."""
        return MappingProxyType({"message": self._message, **self._views})

    def _apply_from_controls(self, action: Callable[[], object],
                             note: Callable[[], str] | None = None,
                             failed: str = "") -> bool:
        """Apply a change a reader made with a control; True if it was accepted.

        A refused value (ValueError or TypeError, which every check raises) is
        shown in the message line, followed by ``note()`` if given, and the
        controls show the state again, which did not change. Any other error
        (the reader's own code failed, say) is shown too, after ``failed`` (a
        text such as "measuring failed: "), instead of reaching the kernel log.
        """
        said = self._message_count
        try:
            action()
        except (ValueError, TypeError) as error:
            kept = t("ui.kept")
            text = self._as_seen(str(error))
            text = text if kept in text else t("ui.refused", error=text, kept=kept)
            self.show_message(text + (note() if note else ""))
            self._show_state()
            return False
        except Exception as error:  # the reader's own code (a custom layer, a loss) failed
            self.show_message(f"{failed}{error}" if failed else _error_text(error))
            self._show_state()
            return False
        if self._message_count == said:  # the change said nothing: an older message is stale
            self.show_message("")
        return True

    def _as_seen(self, text: str) -> str:
        """``text`` with the setting it starts with named as the controls show it.

        "hidden_sizes[0] must be ..." reads "layer 1 width must be ..." beside a
        box labelled "layer 1"; a name the spec does not declare is left alone.
        """
        match = re.match(r"([A-Za-z_]\w*)(?:\[(\d+)\])?(?= )", text)
        if match is None or match.group(1) not in self.SPEC.settings():
            return text
        name, index = match.group(1), match.group(2)
        label = re.sub(r"\s*≤\S+$", "", self.SPEC.label(name))  # "width ≤1024": "width"
        seen = label if index is None else self.SPEC.item_label(name, int(index))
        rest = text[match.end():]
        if columns(seen[-1:]) == 2 and columns(rest[1:2]) == 2:  # 宽度 必须: no space
            rest = rest[1:]  # between two Chinese words (code names need it, labels do not)
        return seen + rest

    def close(self) -> None:
        """Close this widget and every widget inside it (children, layouts, styles).

        ipywidgets' own ``close`` leaves a container's children open, and a saved
        notebook keeps the state of every open widget, shown or not. Closing an
        explorer that is no longer needed keeps the saved notebook small. The
        Python object still answers questions (``.net``, ``.output``) afterwards.
        """
        seen: set[int] = set()
        pending: list[ipw.Widget] = [self]
        inside: list[ipw.Widget] = []
        while pending:
            widget = pending.pop()
            if id(widget) in seen:
                continue
            seen.add(id(widget))
            if widget is not self:
                inside.append(widget)
            pending.extend(getattr(widget, "children", ()))
            for name in ("layout", "style"):
                part = getattr(widget, name, None) if widget.has_trait(name) else None
                if isinstance(part, ipw.Widget):
                    pending.append(part)
        for widget in inside:
            widget.close()
        super().close()

    @property
    def message(self) -> str:
        """The text of the message line (an error, a note, or empty)."""
        return self._message_text

    def show_message(self, text: str, kind: str = "error") -> None:
        """Show ``text`` in the message line (``kind``: ``"error"`` or ``"info"``)."""
        self._message_text = text
        self._message_count += 1
        self._message.value = STYLE + (message(text, kind) if text else "")

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.SPEC.settings()
                          if name in self.STATE or name in self.FIXED)
        return f"{type(self).__name__}({shown})"


class ChartViews:
    """For a :class:`LiveWidget` whose views hold charts: each chart's numbers, and the
    chart as a matplotlib figure.

    ``CHARTS`` names the views holding charts, the first the one :meth:`figure`
    draws unless told otherwise. A view's charts are drawn from chart-data
    objects (:class:`~widgets.render.charts.LineChartData`, ...); the widget keeps
    those it drew with :meth:`_keep_charts` whenever it shows them, so the
    numbers and the figure are always those of the chart shown.
    """

    #: The views that hold charts; the first is the default of :meth:`figure`.
    CHARTS: ClassVar[tuple[str, ...]] = ()

    _charts: dict[str, tuple[Chart, ...]]

    def _keep_charts(self, charts: Mapping[str, tuple[Chart, ...]]) -> None:
        """Keep what the views in ``charts`` are drawn from now (the others stay)."""
        self._charts.update(charts)

    def _chart_view(self, which: str | None) -> str:
        """The view ``which`` names (the default for None), checked."""
        if which is None:
            return self.CHARTS[0]
        if not isinstance(which, str) or which not in self.CHARTS:
            raise ValueError(t("ui.chart_which", field="which",
                               allowed=join([repr(name) for name in self.CHARTS]),
                               got=short_repr(which)))
        return which

    def _no_chart_note(self, which: str) -> str:
        """Why the view ``which`` shows no chart now, said after the error (subclasses)."""
        return ""

    def chart_data(self, which: str | None = None) -> tuple[Chart, ...]:
        """The numbers and text of the charts the view ``which`` shows now, one object per
        chart in the order shown (one for most views).

        Args:
            which: one of :attr:`CHARTS` (a name in :attr:`views`); None: the first.

        Raises:
            ValueError: ``which`` is not one of :attr:`CHARTS`, or the view shows no
                chart now.
        """
        name = self._chart_view(which)
        charts = self._charts.get(name, ())
        if not charts:
            raise ValueError(t("ui.no_chart", which=name, note=self._no_chart_note(name)))
        return charts

    def figure(self, which: str | None = None) -> Figure:
        """The charts the view ``which`` shows now, as a matplotlib figure of the same data.

        A new ``matplotlib.figure.Figure`` each call, made without pyplot (no
        window opens, nothing global changes); save it with ``fig.savefig(...)``.
        A view with several charts gives one axes per chart.

        Args:
            which: one of :attr:`CHARTS` (a name in :attr:`views`); None: the first.

        Raises:
            ValueError: ``which`` is not one of :attr:`CHARTS`, or the view shows no
                chart now.
        """
        return figures.figure(*self.chart_data(which))


def saved_note() -> str:
    """The line a widget shows only while it is a saved picture (see ``.ll-saved-note``)."""
    return STYLE + f'<div class="ll-saved-note">{html.escape(t("ui.saved_note"))}</div>'


class DrawingError(Exception):
    """Drawing a view failed (raised ``from`` the error of the drawing code)."""


@contextlib.contextmanager
def drawing() -> Iterator[None]:
    """Mark a block as drawing: an error in it is a failure to draw, not a refused value."""
    try:
        yield
    except Exception as error:
        raise DrawingError() from error


def _same(a: object, b: object) -> bool:
    """Whether two setting values are equal (tensors and modules: the same object)."""
    if a is b:
        return True
    try:
        return bool(a == b)
    except (RuntimeError, TypeError, ValueError):  # tensors compare element by element
        return False


def _error_text(error: BaseException) -> str:
    return t("ui.error", kind=type(error).__name__, error=error)


class LayerChoiceWidget(LiveWidget):
    """A widget whose hidden layers pick an activation or a reader's registered layer.

    ``LAYER_FIELD`` names the setting that holds the choice (a per-layer tuple
    or one name); the menus (from :meth:`_layer_menus`) and the network follow
    the registry: a new layer is offered, a replaced one is used from then on,
    a removed one is replaced by ``FALLBACK_ACTIVATION``.
    """

    #: The setting holding the layers' choice.
    LAYER_FIELD: ClassVar[str] = "activations"
    #: What takes the place of a reader's layer that is unregistered or fails for good.
    FALLBACK_ACTIVATION: ClassVar[str] = "relu"
    #: The text saying the fallback took the place of readers' layers (an id).
    FELL_BACK: ClassVar[str] = "ui.fell_back"

    @classmethod
    def _activation_options(cls) -> list[tuple[str, str]]:
        """Menu entries: built-in activations, then registered layers marked as custom."""
        return [(t("ui.custom_layer", name=n) if is_custom(n) else n, n)
                for n in activation_names()]

    def _layer_menus(self) -> list[ipw.Dropdown]:
        """The dropdowns that offer the layers (subclasses list theirs)."""
        return []

    def _used_layers(self) -> tuple[str, ...]:
        value = getattr(self._state, self.LAYER_FIELD)
        return value if isinstance(value, tuple) else (value,)

    def _without(self, names: set[str]) -> dict[str, object]:
        """The layer setting with :data:`FALLBACK_ACTIVATION` in place of ``names``."""
        value = getattr(self._state, self.LAYER_FIELD)
        instead = self.FALLBACK_ACTIVATION
        if isinstance(value, tuple):
            return {self.LAYER_FIELD: tuple(instead if a in names else a for a in value)}
        return {self.LAYER_FIELD: instead if value in names else value}

    def _on_registry_change(self, name: str) -> None:
        """A layer was registered, replaced or removed: update the menus and, if used, the net.

        Never raises (the registry calls it from the reader's ``register_layer``):
        what goes wrong is shown in the message line.
        """
        if not self._started:  # its making failed: nothing to update
            return
        options = self._activation_options()
        with self._quietly():
            for menu in self._layer_menus():
                menu.options = options
        if name not in self._used_layers():
            self._show_state()
            return
        instead = self.FALLBACK_ACTIVATION
        try:
            if name in activation_names():  # replaced: rebuild with the new definition
                try:
                    self.refresh()
                    return
                except Exception as error:  # the new definition fails here: use built-ins
                    text = str(error) if isinstance(error, InvalidValueError) else _error_text(
                        error)
                    self._apply(self._without({n for n in self._used_layers() if is_custom(n)}))
                    cut = text.rsplit(t("ui.and_kept", text="", kept=t("ui.kept")), 1)[0]
                    self.show_message(t("ui.and_kept", text=cut, kept=t(
                        self.FELL_BACK, kept=t("ui.kept"), instead=instead)))
                    return
            self._apply(self._without({name}))
            self.show_message(t("ui.layer_unregistered", name=name, instead=instead),
                              kind="info")
        except Exception as error:  # shown, never raised into the reader's registry call
            self.show_message(_error_text(error))

    def _failure_text(self, spec: Spec, error: Exception) -> str:
        used = getattr(spec, self.LAYER_FIELD)
        used = used if isinstance(used, tuple) else (used,)
        custom = sorted({a for a in used if is_custom(a)})
        suspects = t("ui.custom_layers_in_it", names=", ".join(custom)) if custom else ""
        text = t("ui.network_failed", suspects=suspects, error=_error_text(error))
        return t("ui.and_kept", text=text, kept=t("ui.kept")) if self._started else text
