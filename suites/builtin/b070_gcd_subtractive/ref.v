module TopModule (
  input            clk,
  input            reset,
  input            start,
  input      [7:0] a,
  input      [7:0] b,
  output reg       busy,
  output reg       done,
  output reg [7:0] result
);
  reg [7:0] x, y;
  always @(posedge clk) begin
    if (reset) begin
      x      <= 8'd0;
      y      <= 8'd0;
      busy   <= 1'b0;
      done   <= 1'b0;
      result <= 8'd0;
    end else begin
      done <= 1'b0;
      if (!busy) begin
        if (start) begin
          x    <= a;
          y    <= b;
          busy <= 1'b1;
        end
      end else if (y == 8'd0) begin
        result <= x;
        done   <= 1'b1;
        busy   <= 1'b0;
      end else if (x >= y) begin
        x <= x - y;
      end else begin
        x <= y;
        y <= x;
      end
    end
  end
endmodule
