"""One way for the course's views to show themselves in a notebook: as their `.widget`."""


class ShowsWidget:
    """A view that displays as its `.widget` (an ipywidgets box) when it ends a notebook cell."""

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
