"""What every widget here shares: checked traits, batched updates, visible errors.

A widget's state is a set of traitlets. Setting one from code goes through the
same checks as moving its control; a bad value raises an error that is both a
``traitlets.TraitError`` (so traitlets rolls a batch back) and a ``ValueError``
or ``TypeError`` (so readers catch what they expect).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import ipywidgets as ipw
import traitlets

from ..core.layers import activation_names, is_custom
from ..render.html import STYLE, message

#: What a control's message adds when it refused a value and put the old one back.
KEPT = "kept the last valid setting"


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
            raise ValueError(f"kind must be 'svg' or 'html', got {kind!r}")
        self.picture, self.text, self.kind = picture, text, kind

    def _repr_svg_(self) -> str | None:
        return self.picture if self.kind == "svg" else None

    def _repr_html_(self) -> str | None:
        return self.picture if self.kind == "html" else None

    def __repr__(self) -> str:
        return self.text


class LiveWidget(ipw.VBox):
    """Base of the book's widgets: coalesced rendering and a message line.

    Subclasses implement :meth:`_render` (state -> view) and call
    :meth:`_request_render` when their state changes. Inside :meth:`batch`, any
    number of changes render once, when the batch ends.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._hold_depth = 0
        self._dirty = False
        self.render_count = 0
        self._message = ipw.HTML(STYLE)
        self._message_text = ""
        self._syncing_controls = False
        self._configuring = False  # inside configure(): checks may word their hints for it
        self._good_state: dict[str, object] | None = None  # the last state that rendered
        self._restoring = False

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Change several traits at once; checks run and the view renders at the end.

        If any value is invalid, or the code inside the batch raises, every change
        in the batch is rolled back.
        """
        saved = {name: getattr(self, name) for name in self._state_names()}
        self._hold_depth += 1
        try:
            with self.hold_trait_notifications():
                try:
                    yield
                except traitlets.TraitError:
                    raise  # traitlets rolls these back itself
                except BaseException:
                    for name, value in saved.items():
                        if getattr(self, name) is not value:
                            self.set_trait(name, value)
                    raise
        finally:
            self._hold_depth -= 1
            if not self._hold_depth and self._dirty:
                self._render_now()

    def configure(self, **state: object) -> None:
        """Set several of the widget's state traits at once.

        All values are checked together and the view is drawn once; if one is
        invalid, nothing changes.
        """
        allowed = self._configurable()
        unknown = set(state) - set(allowed)
        if unknown:
            names = (", ".join(allowed[:-1]) + " and " + allowed[-1] if len(allowed) > 1
                     else "".join(allowed))
            raise TypeError(f"configure() takes {names}, not {', '.join(sorted(unknown))}")
        self._configuring = True
        try:
            with self.batch():
                for name, value in state.items():
                    setattr(self, name, value)
        finally:
            self._configuring = False

    # -- falling back when a reader's own layer fails -----------------------------------

    def _current_state(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self._configurable()}

    def _forget(self) -> None:
        """Drop cached results before a restore (widgets that cache override this)."""

    def _restore(self, state: dict[str, object]) -> None:
        self._forget()
        self._restoring = True
        try:
            self.configure(**state)
        finally:
            self._restoring = False

    def _without_custom_layers(self, state: dict[str, object]) -> tuple[dict[str, object], str]:
        """``state`` with built-ins in place of readers' layers, and a phrase saying so."""
        raise NotImplementedError  # pragma: no cover - widgets that take custom layers override

    def _fall_back(self) -> str:
        """Go back to the last state that rendered; if that fails now too (a reader's layer
        was replaced, or fails on a later call), use built-ins instead. Returns what was
        done, for the message."""
        assert self._good_state is not None
        if self._current_state() != self._good_state:
            try:
                self._restore(self._good_state)
                return KEPT
            except Exception:  # the reader's layer fails now where it worked before
                pass
        state, instead = self._without_custom_layers(self._good_state)
        self._restore(state)
        return f"{KEPT}, with {instead}"

    def _configurable(self) -> list[str]:
        """The names :meth:`configure` accepts (the state traits unless a widget says more)."""
        return self._state_names()

    def _state_names(self) -> list[str]:
        """The widget's own state: traits with help text that are not synced or read-only."""
        inherited = set(ipw.VBox.class_trait_names())
        return [name for name, trait in self.traits().items()
                if name not in inherited and trait.metadata.get("help")
                and not trait.metadata.get("sync") and not trait.read_only]

    def _request_render(self) -> None:
        self._dirty = True
        if not self._hold_depth:
            self._render_now()

    def _render_now(self) -> None:
        self._dirty = False
        self.render_count += 1
        try:
            self._render()
        except (InvalidValueError, InvalidTypeError) as error:  # already says what is wrong
            self.show_message(str(error))
            raise
        except Exception as error:  # shown in the widget, never swallowed silently
            self.show_message(f"Could not draw the view: {type(error).__name__}: {error}")
            raise

    def _render(self) -> None:  # pragma: no cover - subclasses implement
        raise NotImplementedError

    # -- controls ---------------------------------------------------------------------

    @contextlib.contextmanager
    def _controls_from_state(self) -> Iterator[None]:
        """Set controls to match the state without their observers acting on it."""
        self._syncing_controls = True
        try:
            yield
        finally:
            self._syncing_controls = False

    def _sync_controls(self) -> None:
        """Make every control show the current state (widgets with controls override this)."""

    def _apply_from_controls(self, action: Callable[[], object],
                             note: Callable[[], str] | None = None,
                             failed: str = "") -> bool:
        """Apply a change a reader made with a control; True if it was accepted.

        A refused value (ValueError or TypeError, which every check raises) is
        shown in the message line, followed by ``note()`` if given, and the
        controls are put back to the state, which the checks left unchanged. Any
        other error (the reader's own code failed, say) is shown too, after
        ``failed`` (e.g. ``"measuring failed: "``), instead of reaching the kernel log.
        """
        try:
            action()
        except (ValueError, TypeError) as error:
            text = str(error)
            text = text if KEPT in text else f"{text} ({KEPT})"
            self.show_message(text + (note() if note else ""))
            self._sync_controls()
            return False
        except Exception as error:  # the reader's own code (a custom layer, a loss) failed
            self.show_message(f"{failed}{error}" if failed else f"{type(error).__name__}: {error}")
            self._sync_controls()
            return False
        self.show_message("")
        return True

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
        self._message.value = STYLE + (message(text, kind) if text else "")


class LayerChoiceWidget(LiveWidget):
    """A widget whose hidden layers each pick an activation or a reader's registered layer.

    Subclasses have a trait ``activations`` (one name per hidden layer) and a
    list ``_choices`` of dropdowns, and call ``custom_layers.on_registry_change
    (self._on_registry_change)``; this class keeps the menus and the network in
    step with the registry.
    """

    #: What takes the place of a reader's layer that is unregistered or fails for good.
    FALLBACK_ACTIVATION = "relu"

    _choices: list[ipw.Dropdown]

    @staticmethod
    def _activation_options() -> list[tuple[str, str]]:
        """Dropdown entries: built-in activations, then registered layers marked as custom."""
        return [(f"{n} (custom)" if is_custom(n) else n, n) for n in activation_names()]

    def _rebuild_with_replaced_layer(self, name: str) -> None:
        """Rebuild the network after the layer ``name`` it uses was registered anew."""
        raise NotImplementedError  # pragma: no cover - subclasses implement

    def _on_registry_change(self, name: str) -> None:
        """A layer was registered, replaced or removed: update the menus and, if used, the net."""
        options = self._activation_options()
        with self._controls_from_state():
            for choice in self._choices:
                choice.options = options
        if name not in self.activations:
            self._sync_controls()
            return
        if name in activation_names():  # replaced: rebuild with the new definition
            self._rebuild_with_replaced_layer(name)
            return
        instead = self.FALLBACK_ACTIVATION
        fallback = tuple(instead if a == name else a for a in self.activations)
        if self._good_state is not None:
            self._good_state = {**self._good_state, "activations": fallback}
        self.activations = fallback
        self.show_message(f"the custom layer {name!r} was unregistered; {instead} took its "
                          "place", kind="info")

    def _without_custom_layers(self, state: dict[str, object]) -> tuple[dict[str, object], str]:
        instead = self.FALLBACK_ACTIVATION
        plain = tuple(instead if is_custom(a) else a for a in state["activations"])
        return {**state, "activations": plain}, f"{instead} in place of the custom layers"
